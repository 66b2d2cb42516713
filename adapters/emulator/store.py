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
    # Order id -> its fulfillment orders' ids, indexed as they are added (never removed; a
    # fulfillment order keeps its order): reading an order is not a scan of every store's FO.
    _by_order: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)
    _indexed: int = field(default=0, repr=False, compare=False)

    def location_by_name(self, name: str) -> Location | None:
        return next((loc for loc in self.locations.values() if loc.name == name), None)

    def add_fulfillment_order(self, fo: FulfillmentOrder) -> None:
        self.fulfillment_orders[fo.id] = fo
        if self._indexed == len(self.fulfillment_orders) - 1:
            self._by_order.setdefault(fo.order_id, []).append(fo.id)
            self._indexed += 1

    def fulfillment_orders_of(self, order_id: str) -> list[FulfillmentOrder]:
        if self._indexed != len(self.fulfillment_orders):  # added around add_fulfillment_order
            self._by_order = {}
            for fo in self.fulfillment_orders.values():
                self._by_order.setdefault(fo.order_id, []).append(fo.id)
            self._indexed = len(self.fulfillment_orders)
        return [self.fulfillment_orders[fo_id] for fo_id in self._by_order.get(order_id, ())]

    def order_by_ref(self, ref: str) -> Order | None:
        """An order by GID, numeric id or name (`#1001`)."""
        by_id = self.orders.get(ref) or self.orders.get(f"gid://shopify/Order/{ref}")
        if by_id is not None:
            return by_id
        for order in self.orders.values():
            if ref in (order.id, order.id.rsplit("/", 1)[-1], order.name, order.name.lstrip("#")):
                return order
        return None
