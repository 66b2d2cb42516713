"""The customer's shipping address of an order, for the purchase orders of drop-ship vendors.

The snapshot carries only what routing needs (country, province, city, zip, coordinates); a vendor
that ships to the customer needs the name and street as well, read once when the PO is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.shopify import documents
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyQueryError

ORDER_SHIP_TO = documents.ORDER_SHIP_TO


@dataclass(frozen=True, slots=True)
class ShipToAddress:
    name: str
    address1: str
    city: str
    province_code: str
    zip: str
    country_code: str
    address2: str = ""
    company: str = ""
    phone: str = ""


class NoShippingAddress(ShopifyQueryError):
    """The order has no shipping address (pick-up, digital): nothing a vendor can ship to."""


async def read_ship_to(client: ShopifyClient, order_id: str) -> ShipToAddress:
    data = await client.execute(ORDER_SHIP_TO, {"id": order_id})
    return parse_ship_to(order_id, data.get("order"))


def parse_ship_to(order_id: str, order: dict[str, Any] | None) -> ShipToAddress:
    address = (order or {}).get("shippingAddress")
    if not isinstance(address, dict) or not address.get("address1"):
        raise NoShippingAddress(f"order {order_id} has no shipping address with a street to send a vendor to")

    def text(key: str) -> str:
        value = address.get(key)
        return str(value) if value is not None else ""

    return ShipToAddress(
        name=text("name") or text("company") or (order or {}).get("name") or order_id,
        address1=text("address1"),
        address2=text("address2"),
        city=text("city"),
        province_code=text("provinceCode"),
        zip=text("zip"),
        country_code=text("countryCodeV2"),
        company=text("company"),
        phone=text("phone"),
    )
