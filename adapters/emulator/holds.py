"""fulfillmentOrderHold and fulfillmentOrderReleaseHold, per app as Shopify scopes them."""

from __future__ import annotations

from typing import Any

from adapters.emulator.fulfillment import (
    HOLD_LIMIT_PER_APP,
    REQUESTING_APP_ID,
    FulfillmentHold,
    FulfillmentOrder,
)
from adapters.emulator.outcomes import Outcome, UserError, WebhookEvent
from adapters.emulator.routing import fo_brief
from adapters.emulator.splits import split_off
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store

LIMIT_MESSAGE = (
    "The maximum number of fulfillment holds for this fulfillment order has been reached for this app. "
    "An app can only have up to 10 holds on a single fulfillment order at any one time."
)
DUPLICATE_HANDLE_MESSAGE = (
    "The handle provided for the fulfillment hold is already in use by this app for another hold on this "
    "fulfillment order."
)
# Not recorded: wording for an unknown or closed fulfillment order is ours.
NOT_FOUND_MESSAGE = "Fulfillment order does not exist."
NOT_HOLDABLE_MESSAGE = "The fulfillment order can't be placed on hold in its current state."


def _validate(fo: FulfillmentOrder | None, hold: dict[str, Any], app_id: str) -> UserError | None:
    if fo is None:
        return UserError(NOT_FOUND_MESSAGE, ["id"], "FULFILLMENT_ORDER_NOT_FOUND")
    lines_field = ["fulfillmentHold", "fulfillmentOrderLineItems"]
    requested = hold.get("fulfillmentOrderLineItems") or []
    for index, item in enumerate(requested):
        if item["quantity"] <= 0:
            message = "You must select at least one item to place on partial hold."
            return UserError(message, [*lines_field, str(index), "quantity"], "GREATER_THAN_ZERO")
    ids = [item["id"] for item in requested]
    if len(set(ids)) != len(ids):
        return UserError(
            "must contain unique line item ids", lines_field, "DUPLICATED_FULFILLMENT_ORDER_LINE_ITEMS"
        )
    for index, item in enumerate(requested):
        line = fo.line_item(item["id"])
        if line is None or item["quantity"] > line.remaining_quantity:
            message = "The line item quantity is invalid."
            return UserError(message, [*lines_field, str(index), "quantity"], "INVALID_LINE_ITEM_QUANTITY")
    mine = [h for h in fo.holds if h.app_id == app_id]
    handle = hold.get("handle") or ""
    if handle and any(h.handle == handle for h in mine):
        return UserError(
            DUPLICATE_HANDLE_MESSAGE, ["fulfillmentHold", "handle"], "DUPLICATE_FULFILLMENT_HOLD_HANDLE"
        )
    if fo.status not in {"OPEN", "ON_HOLD"}:
        return UserError(NOT_HOLDABLE_MESSAGE, ["id"])
    if len(mine) >= HOLD_LIMIT_PER_APP:
        return UserError(LIMIT_MESSAGE, ["id"], "FULFILLMENT_ORDER_HOLD_LIMIT_REACHED")
    if _is_partial(fo, requested) and fo.status == "ON_HOLD":
        message = "The fulfillment order is not in a splittable state."
        return UserError(message, lines_field, "FULFILLMENT_ORDER_NOT_SPLITTABLE")
    return None


def _is_partial(fo: FulfillmentOrder, requested: list[dict[str, Any]]) -> bool:
    if not requested:
        return False
    held = {item["id"]: item["quantity"] for item in requested}
    return any(held.get(line.id, 0) != line.remaining_quantity for line in fo.line_items)


def hold_fulfillment_order(
    state: EmulatorState, store: Store, fo_id: str, hold: dict[str, Any], app_id: str = REQUESTING_APP_ID
) -> Outcome:
    fo = store.fulfillment_orders.get(fo_id)
    error = _validate(fo, hold, app_id)
    if error is not None:
        return Outcome.failed(error)
    assert fo is not None
    requested = hold.get("fulfillmentOrderLineItems") or []
    remaining = None
    if _is_partial(fo, requested):
        # The held quantities stay on this fulfillment order; the rest go to a new one (recordings).
        held = {item["id"]: item["quantity"] for item in requested}
        rest = {line.id: line.remaining_quantity - held.get(line.id, 0) for line in fo.line_items}
        remaining = split_off(
            state, store, fo, {k: v for k, v in rest.items() if v > 0}, fo.assigned_location_id
        )
    created = FulfillmentHold(
        id=state.ids.next("FulfillmentHold"),
        reason=hold["reason"],
        handle=hold.get("handle") or "",
        reason_notes=hold.get("reasonNotes"),
        app_id=app_id,
        external_id=hold.get("externalId"),
    )
    first = not fo.holds
    fo.holds.append(created)
    fo.status = "ON_HOLD"
    fo.updated_at = now()
    events = []
    if first:
        payload = {
            "fulfillment_order": {**fo_brief(fo), "fulfillment_holds": [hold_payload(h) for h in fo.holds]},
            "remaining_fulfillment_order": fo_brief(remaining) if remaining else None,
            "held_fulfillment_order_line_items": [
                {"id": line.id, "quantity": line.remaining_quantity} for line in fo.line_items
            ],
            "created_fulfillment_hold": hold_payload(created),
        }
        events.append(WebhookEvent("fulfillment_orders/placed_on_hold", payload))
    events.append(WebhookEvent("fulfillment_holds/added", _hold_event(fo, created)))
    return Outcome(
        objects={"fulfillmentHold": created, "fulfillmentOrder": fo, "remainingFulfillmentOrder": remaining},
        events=events,
    )


def release_hold(state: EmulatorState, store: Store, fo_id: str, hold_ids: list[str] | None) -> Outcome:
    fo = store.fulfillment_orders.get(fo_id)
    if fo is None:
        return Outcome.failed(UserError(NOT_FOUND_MESSAGE, ["id"], "FULFILLMENT_ORDER_NOT_FOUND"))
    if fo.status != "ON_HOLD":
        # Not recorded: wording ours. Shopify refuses to release a fulfillment order that isn't held.
        return Outcome.failed(UserError("The fulfillment order is not on hold.", ["id"]))
    # Without holdIds Shopify releases every hold; ids of other fulfillment orders are ignored.
    released = [h for h in fo.holds if hold_ids is None or h.id in hold_ids]
    fo.holds = [h for h in fo.holds if h not in released]
    events = [WebhookEvent("fulfillment_holds/released", _hold_event(fo, h)) for h in released]
    if not fo.holds:
        fo.status = "OPEN"
        events.append(WebhookEvent("fulfillment_orders/hold_released", {"fulfillment_order": fo_brief(fo)}))
    fo.updated_at = now()
    return Outcome(objects={"fulfillmentOrder": fo}, events=events)


def hold_payload(hold: FulfillmentHold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "reason": hold.reason.lower(),
        "reason_notes": hold.reason_notes,
        "held_by_requesting_app": hold.held_by_requesting_app,
        "handle": hold.handle,
        "held_by_app": {"id": hold.app_id} if hold.app_id else None,
    }


def _hold_event(fo: FulfillmentOrder, hold: FulfillmentHold) -> dict[str, Any]:
    return {"fulfillment_order": {"id": fo.id}, "fulfillment_hold": hold_payload(hold)}
