"""fulfillmentOrderMove: preconditions and effects as Shopify documents and the recordings show."""

from __future__ import annotations

from typing import Any

from adapters.emulator.fulfillment import MOVE_BLOCKING_REQUEST_STATUSES, FulfillmentOrder
from adapters.emulator.outcomes import Outcome, UserError, WebhookEvent
from adapters.emulator.splits import split_off
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store

PROGRESS_MESSAGE = (
    "Cannot move a fulfillment order that has had progress reported. To move a fulfillment order "
    "that has had progress reported, the fulfillment order must first be marked as open resolving "
    "the ongoing progress state."
)
SUBMITTED_MESSAGE = "Cannot move submitted fulfillment order that is at a 3PL fulfillment service."
# Not recorded: Shopify documents the case but no live message was captured; our wording.
NOT_STOCKED_MESSAGE = "None of the requested line items are stocked at the new location."
NOT_STOCKED_LOCATION_MESSAGE = "No items are stocked at this location."
CURRENT_LOCATION_MESSAGE = "Current location."


def move_blocker(store: Store, fo: FulfillmentOrder, location_id: str) -> UserError | None:
    """Why the fulfillment order can't move at all (the checks before line items are looked at)."""
    if location_id not in store.locations:
        return UserError("Location not found.", ["id"])
    if fo.is_closed:
        return UserError("Cannot change location.")
    if fo.status == "IN_PROGRESS":
        return UserError(PROGRESS_MESSAGE, ["id"])
    if fo.request_status in MOVE_BLOCKING_REQUEST_STATUSES:
        return UserError(SUBMITTED_MESSAGE)
    return None


def movable_quantities(
    store: Store, fo: FulfillmentOrder, location_id: str, requested: dict[str, int]
) -> dict[str, int]:
    """The requested quantities of lines the destination stocks (Shopify moves only those)."""
    return {
        line_id: qty
        for line_id, qty in requested.items()
        if (line := fo.line_item(line_id)) is not None
        and store.inventory.stocks(line.inventory_item_id, location_id)
    }


def move_fulfillment_order(
    state: EmulatorState, store: Store, fo_id: str, location_id: str, line_items: list[dict[str, Any]] | None
) -> Outcome:
    fo = store.fulfillment_orders.get(fo_id)
    if fo is None:
        # Not recorded for move; the split mutation's wording for the same case.
        return Outcome.failed(UserError("Fulfillment order does not exist.", ["id"]))
    blocker = move_blocker(store, fo, location_id)
    if blocker is not None:
        return Outcome.failed(blocker)
    if location_id == fo.assigned_location_id:
        return Outcome.failed(UserError("Cannot change location."))
    if line_items:
        requested: dict[str, int] = {}
        for index, item in enumerate(line_items):
            line = fo.line_item(item["id"])
            if line is None or not 0 < item["quantity"] <= line.remaining_quantity:
                field = ["fulfillmentOrderLineItems", str(index)]
                return Outcome.failed(UserError("Invalid fulfillment order line item quantity.", field))
            requested[line.id] = item["quantity"]
    else:
        requested = {line.id: line.remaining_quantity for line in fo.line_items if line.remaining_quantity}
    moving = movable_quantities(store, fo, location_id, requested)
    if not moving:
        return Outcome.failed(UserError(NOT_STOCKED_MESSAGE, ["id"]))
    source = fo.assigned_location_id
    for line_id, qty in moving.items():
        line = fo.line_item(line_id)
        assert line is not None
        store.inventory.transfer_commitment(line.inventory_item_id, source, location_id, qty)
    whole = all(moving.get(line.id, 0) == line.remaining_quantity for line in fo.line_items)
    if whole:
        fo.assigned_location_id = location_id
        fo.updated_at = now()
        moved = fo
        remaining = None
    else:
        moved = split_off(state, store, fo, moving, location_id)
        remaining = fo
    payload = {
        "original_fulfillment_order": _brief(fo, source if not whole else location_id),
        "moved_fulfillment_order": _brief(moved, location_id),
        "destination_location_id": location_id,
        "fulfillment_order_line_items_requested": [{"id": k, "quantity": v} for k, v in requested.items()],
        "source_location": {"id": source},
    }
    return Outcome(
        objects={
            "movedFulfillmentOrder": moved,
            "originalFulfillmentOrder": fo,
            "remainingFulfillmentOrder": remaining,
        },
        events=[WebhookEvent("fulfillment_orders/moved", payload)],
    )


def _brief(fo: FulfillmentOrder, location_id: str) -> dict[str, str]:
    return {"id": fo.id, "status": fo.status.lower(), "assigned_location_id": location_id}
