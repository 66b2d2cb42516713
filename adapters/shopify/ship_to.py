"""The customer's shipping address of an order, for the purchase orders of drop-ship vendors.

The snapshot carries only what routing needs (country, province, city, zip, coordinates); a vendor
that ships to the customer needs the name and street as well. The order read asks for them too
(scalars cost no points) and `ShipToMemory` keeps them for the PO written moments later; a PO
written later (the sweeper, a retry) reads them once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.shopify import documents
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyQueryError

ORDER_SHIP_TO = documents.ORDER_SHIP_TO
_KEPT = 1024


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


class ShipToMemory:
    """Ship-to addresses the order read carried, kept briefly so that a PO written moments later
    (or a hand-off's linked order) needs no read of its own; older ones are read afresh."""

    def __init__(self, fresh_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._fresh = fresh_seconds
        self._clock = clock
        self._orders: dict[str, tuple[dict[str, Any], float]] = {}

    def remember(self, order: dict[str, Any]) -> None:
        address = order.get("shippingAddress")
        if not isinstance(address, dict) or "address1" not in address:
            return  # a read that did not ask for the street
        if len(self._orders) >= _KEPT:
            self._orders.pop(next(iter(self._orders)))
        self._orders.pop(order["id"], None)
        self._orders[order["id"]] = ({"name": order.get("name"), "shippingAddress": address}, self._clock())

    def recall(self, order_id: str) -> dict[str, Any] | None:
        kept = self._orders.get(order_id)
        if kept is None or self._clock() - kept[1] > self._fresh:
            return None
        return kept[0]


async def ship_to_of(
    client: ShopifyClient, order_id: str, memory: ShipToMemory | None = None
) -> ShipToAddress:
    """The order's ship-to: from the order read moments ago when `memory` has it, else read."""
    known = memory.recall(order_id) if memory is not None else None
    if known is not None:
        return parse_ship_to(order_id, known)
    return await read_ship_to(client, order_id)
