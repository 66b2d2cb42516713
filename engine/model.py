"""Domain types: what the engine knows about one order at the moment it decides.

A `Snapshot` is everything `decide()` may look at. It is plain, frozen data that round-trips
through JSON, so that a decision can be stored with its input and replayed later. Field values
follow Shopify's GraphQL Admin API (GIDs, upper-case enum values), so nothing is lost in
translation and traces can quote Shopify's own words.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Address(_Frozen):
    """A destination or a location's address; every field is optional, as in Shopify."""

    country_code: str | None = None
    province: str | None = None
    province_code: str | None = None
    city: str | None = None
    zip: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class Location(_Frozen):
    """A Shopify location of one store."""

    id: str
    name: str
    store: str
    is_active: bool = True
    fulfills_online_orders: bool = True
    address: Address = Field(default_factory=Address)


class Hold(_Frozen):
    """A fulfillment hold. `held_by_us` is Shopify's `heldByRequestingApp`."""

    id: str
    reason: str
    handle: str | None = None
    notes: str | None = None
    held_by_us: bool = False


class FulfillmentOrderLine(_Frozen):
    """A fulfillment-order line item, with what is still to be fulfilled."""

    id: str
    sku: str | None = None
    inventory_item_id: str | None = None
    remaining_quantity: int
    total_quantity: int
    requires_shipping: bool = True
    vendor: str | None = None
    product_title: str | None = None
    product_type: str | None = None
    unit_price: float | None = None  # shop currency, after discounts (approximate, as Shopify says)


class FulfillmentOrder(_Frozen):
    """One fulfillment order of the order, as Shopify reports it.

    `movable_to` lists the locations Shopify's `locationsForMove` said the whole fulfillment
    order can move to; `None` means it was not asked.
    """

    id: str
    status: str
    request_status: str = "UNSUBMITTED"
    assigned_location_id: str | None = None
    delivery_method: str | None = None
    destination: Address | None = None
    lines: tuple[FulfillmentOrderLine, ...] = ()
    holds: tuple[Hold, ...] = ()
    supported_actions: frozenset[str] = frozenset()
    movable_to: frozenset[str] | None = None

    def our_hold(self, handle: str) -> Hold | None:
        return next((h for h in self.holds if h.held_by_us and h.handle == handle), None)

    @property
    def held_by_others(self) -> bool:
        return any(not h.held_by_us for h in self.holds)


class Order(_Frozen):
    """The order the fulfillment orders belong to. `metafields` maps `namespace.key` to value.

    `total_price` is in the shop's currency (`currency`); `sales_channel` is Shopify's
    `sourceName` (web, pos, shopify_draft_order, an app's name…); `financial_status` is
    `displayFinancialStatus` (PAID, PENDING, AUTHORIZED, PARTIALLY_PAID, …).
    """

    id: str
    name: str = ""
    tags: frozenset[str] = frozenset()
    metafields: dict[str, str] = Field(default_factory=dict)
    shipping_address: Address | None = None
    total_price: float | None = None
    currency: str | None = None
    sales_channel: str | None = None
    financial_status: str | None = None
    customer_tags: frozenset[str] = frozenset()


class Vendor(_Frozen):
    """A source outside the store, as the store sees it: the location that stands for it there.

    `kind` "vendor": a drop-ship vendor; lines a strategy places at `location_id` are bought on a
    purchase order, which it must accept within `acceptance_minutes`. `kind` "store": a location
    (`remote_location_id`, named `remote_name`) of another store of the merchant (`store`); lines
    placed at its stand-in `location_id` are handed off to that store, which fulfils them.
    """

    id: str
    name: str
    location_id: str
    acceptance_minutes: int = 240
    kind: Literal["vendor", "store"] = "vendor"
    store: str | None = None
    remote_location_id: str | None = None
    remote_name: str | None = None


VendorLineStatus = Literal["awaiting", "accepted", "refused", "shipped"]


class VendorLine(_Frozen):
    """A fulfillment-order line already on a vendor's purchase order, and where it stands.

    `refused` covers a rejected or backordered line, a rejected order and silence past the
    deadline; `detail` says which, in the vendor's words where it gave any.
    """

    fulfillment_order_id: str
    line_id: str
    sku: str | None = None
    vendor_id: str
    purchase_order: str
    status: VendorLineStatus
    due_at: str | None = None  # acceptance deadline, ISO 8601 UTC
    detail: str = ""


class Snapshot(_Frozen):
    """Everything one decision sees: the order, its fulfillment orders, locations, stock.

    `inventory` maps an inventory item id to `{location id: available}`; a location missing
    from an item's map does not stock that item. `local_time` is the shop's wall-clock time when
    the snapshot was read (ISO 8601 with its UTC offset, e.g. `2026-11-27T09:15:00-05:00`), so
    that cut-offs and calendars need no clock in the engine. `location_load` counts the orders
    the engine has already sent to each location on that local day (for daily capacities).
    `vendors` are the drop-ship vendors with a location in this store; `vendor_lines` are the
    order's lines already on their purchase orders.
    """

    store: str
    order: Order
    fulfillment_orders: tuple[FulfillmentOrder, ...]
    locations: tuple[Location, ...]
    inventory: dict[str, dict[str, int]] = Field(default_factory=dict)
    read_at: str | None = None
    local_time: str | None = None
    location_load: dict[str, int] = Field(default_factory=dict)
    vendors: tuple[Vendor, ...] = ()
    vendor_lines: tuple[VendorLine, ...] = ()

    def location(self, location_id: str) -> Location | None:
        return next((loc for loc in self.locations if loc.id == location_id), None)

    def available(self, inventory_item_id: str | None, location_id: str) -> int:
        if inventory_item_id is None:
            return 0
        return self.inventory.get(inventory_item_id, {}).get(location_id, 0)

    def lines(self) -> Iterator[tuple[FulfillmentOrder, FulfillmentOrderLine]]:
        for fo in self.fulfillment_orders:
            for line in fo.lines:
                yield fo, line
