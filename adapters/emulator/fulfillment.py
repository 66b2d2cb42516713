"""Fulfillment orders, their line items and holds, and the actions Shopify offers on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from adapters.emulator.locations import Address

# Request statuses during which Shopify refuses a move (awaiting a fulfillment service).
MOVE_BLOCKING_REQUEST_STATUSES = frozenset(
    {"SUBMITTED", "ACCEPTED", "CANCELLATION_REQUESTED", "CANCELLATION_REJECTED"}
)
HOLD_LIMIT_PER_APP = 10
HOLD_REASON_DISPLAY = {
    "AWAITING_PAYMENT": "Awaiting payment",
    "HIGH_RISK_OF_FRAUD": "High risk of fraud",
    "INCORRECT_ADDRESS": "Incorrect address",
    "INVENTORY_OUT_OF_STOCK": "Inventory out of stock",
    "UNKNOWN_DELIVERY_DATE": "Unknown delivery date",
    "ONLINE_STORE_POST_PURCHASE_CROSS_SELL": "Online store post purchase cross sell",
    "AWAITING_RETURN_ITEMS": "Exchange items awaiting return delivery",
    "OTHER": "Other",
}
# The app whose token the engine uses; holds placed through the control API use others.
REQUESTING_APP_ID = "gid://shopify/App/1001"
OTHER_APP_ID = "gid://shopify/App/2002"


@dataclass
class FulfillmentHold:
    id: str
    reason: str
    handle: str = ""
    reason_notes: str | None = None
    app_id: str | None = REQUESTING_APP_ID
    external_id: str | None = None

    @property
    def held_by_requesting_app(self) -> bool:
        return self.app_id == REQUESTING_APP_ID

    @property
    def display_reason(self) -> str:
        return HOLD_REASON_DISPLAY.get(self.reason, self.reason.capitalize())


@dataclass
class FulfillmentOrderLineItem:
    id: str
    line_item_id: str
    inventory_item_id: str
    sku: str
    total_quantity: int
    remaining_quantity: int


@dataclass
class FulfillmentOrder:
    id: str
    order_id: str
    assigned_location_id: str
    created_at: datetime
    updated_at: datetime
    status: str = "OPEN"
    request_status: str = "UNSUBMITTED"
    destination: Address | None = None
    delivery_method_type: str = "SHIPPING"
    line_items: list[FulfillmentOrderLineItem] = field(default_factory=list)
    holds: list[FulfillmentHold] = field(default_factory=list)

    @property
    def is_closed(self) -> bool:
        return self.status in {"CLOSED", "CANCELLED"}

    def line_item(self, line_id: str) -> FulfillmentOrderLineItem | None:
        return next((line for line in self.line_items if line.id == line_id), None)

    def remaining_units(self) -> int:
        return sum(line.remaining_quantity for line in self.line_items)

    def app_holds(self) -> list[FulfillmentHold]:
        return [hold for hold in self.holds if hold.held_by_requesting_app]


def supported_actions(fo: FulfillmentOrder, siblings: list[FulfillmentOrder]) -> list[str]:
    """Actions in the order Shopify lists them (recordings, 2026-01 enum values only)."""
    if fo.is_closed:
        return []
    if fo.status == "ON_HOLD":
        # HOLD disappears once this app has its 10 holds (hold-validation recording).
        can_hold = len(fo.app_holds()) < HOLD_LIMIT_PER_APP
        return ["RELEASE_HOLD", "HOLD", "MOVE"] if can_hold else ["RELEASE_HOLD", "MOVE"]
    if fo.status == "IN_PROGRESS":
        return ["CREATE_FULFILLMENT", "MARK_AS_OPEN", "HOLD"]
    actions = ["CREATE_FULFILLMENT", "MOVE", "HOLD"]
    if fo.remaining_units() > 1:
        actions.append("SPLIT")
    mergeable = [
        other
        for other in siblings
        if other.id != fo.id
        and other.status == "OPEN"
        and other.assigned_location_id == fo.assigned_location_id
    ]
    if mergeable:
        actions.append("MERGE")
    return actions
