"""One Shopify store: its credentials, locations, inventory, orders and fulfillment orders."""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.emulator.fulfillment import FulfillmentOrder
from adapters.emulator.inventory import Inventory
from adapters.emulator.locations import Location
from adapters.emulator.orders import Order


@dataclass
class Store:
    domain: str
    name: str
    currency: str
    access_token: str
    client_secret: str
    api_version: str
    maximum_available: int
    restore_rate: int
    native_ranking: list[str]  # location ids, best first
    next_order_number: int
    shop_id: str
    timezone: str = "Etc/UTC"  # IANA, Shopify's `shop.ianaTimezone`
    locations: dict[str, Location] = field(default_factory=dict)
    inventory: Inventory = field(default_factory=Inventory)
    orders: dict[str, Order] = field(default_factory=dict)
    fulfillment_orders: dict[str, FulfillmentOrder] = field(default_factory=dict)

    def location_by_name(self, name: str) -> Location | None:
        return next((loc for loc in self.locations.values() if loc.name == name), None)

    def fulfillment_orders_of(self, order_id: str) -> list[FulfillmentOrder]:
        return [fo for fo in self.fulfillment_orders.values() if fo.order_id == order_id]

    def order_by_ref(self, ref: str) -> Order | None:
        """An order by GID, numeric id or name (`#1001`)."""
        for order in self.orders.values():
            if ref in (order.id, order.id.rsplit("/", 1)[-1], order.name, order.name.lstrip("#")):
                return order
        return None
