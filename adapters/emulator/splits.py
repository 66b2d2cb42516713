"""fulfillmentOrderSplit, and the carving of line quantities into a new fulfillment order."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from adapters.emulator.fulfillment import FulfillmentOrder, FulfillmentOrderLineItem
from adapters.emulator.outcomes import Outcome, UserError, WebhookEvent
from adapters.emulator.routing import fo_brief
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store


def split_off(
    state: EmulatorState, store: Store, fo: FulfillmentOrder, quantities: dict[str, int], location_id: str
) -> FulfillmentOrder:
    """Move `quantities` (by line id) out of `fo` into a new fulfillment order at `location_id`.

    The new fulfillment order gets new line ids (as in the recordings); a line fully taken
    disappears from the original, a partly taken one keeps its id with the rest.
    """
    stamp = now()
    new = FulfillmentOrder(
        id=state.ids.next("FulfillmentOrder"),
        order_id=fo.order_id,
        assigned_location_id=location_id,
        created_at=stamp,
        updated_at=stamp,
        request_status=fo.request_status,
        destination=fo.destination,
        delivery_method_type=fo.delivery_method_type,
    )
    kept: list[FulfillmentOrderLineItem] = []
    for line in fo.line_items:
        taken = quantities.get(line.id, 0)
        if taken:
            new.line_items.append(
                replace(
                    line,
                    id=state.ids.next("FulfillmentOrderLineItem"),
                    total_quantity=taken,
                    remaining_quantity=taken,
                )
            )
        if line.remaining_quantity - taken > 0:
            line.total_quantity -= taken
            line.remaining_quantity -= taken
            kept.append(line)
    fo.line_items = kept
    fo.updated_at = stamp
    store.add_fulfillment_order(new)
    return new


def split_fulfillment_orders(state: EmulatorState, store: Store, splits: list[dict[str, Any]]) -> Outcome:
    errors: list[UserError] = []
    plans: list[tuple[FulfillmentOrder, dict[str, int]]] = []
    for index, split in enumerate(splits):
        base = ["fulfillmentOrderSplits", str(index), "fulfillmentOrderLineItems"]
        requested = split["fulfillmentOrderLineItems"]
        if not requested:
            message = "There must be at least one item selected in this fulfillment to split it."
            errors.append(UserError(message, base, "NO_LINE_ITEMS_PROVIDED_TO_SPLIT"))
            continue
        bad_quantity = next((i for i, item in enumerate(requested) if item["quantity"] <= 0), None)
        if bad_quantity is not None:
            message = "You must select at least one item to split into a new fulfillment order."
            errors.append(UserError(message, [*base, str(bad_quantity), "quantity"], "GREATER_THAN"))
            continue
        fo = store.fulfillment_orders.get(split["fulfillmentOrderId"])
        if fo is None:
            errors.append(UserError("Fulfillment order does not exist.", None, "FULFILLMENT_ORDER_NOT_FOUND"))
            continue
        quantities: dict[str, int] = {}
        for item in requested:
            quantities[item["id"]] = quantities.get(item["id"], 0) + item["quantity"]
        # Not recorded: the message for an over-quantity or unsplittable request is our own wording.
        invalid = any(
            (line := fo.line_item(line_id)) is None or qty > line.remaining_quantity
            for line_id, qty in quantities.items()
        )
        if invalid or sum(quantities.values()) >= fo.remaining_units() or fo.status != "OPEN":
            message = "The fulfillment order line item quantity is invalid."
            errors.append(UserError(message, base, "INVALID_LINE_ITEM_QUANTITY"))
            continue
        plans.append((fo, quantities))
    if errors:
        return Outcome.failed(*errors)
    results = []
    events = []
    for fo, quantities in plans:
        new = split_off(state, store, fo, quantities, fo.assigned_location_id)
        results.append(
            {"fulfillmentOrder": fo, "remainingFulfillmentOrder": new, "replacementFulfillmentOrder": None}
        )
        payload = {
            "split_line_items": [{"id": line_id, "quantity": qty} for line_id, qty in quantities.items()],
            "fulfillment_order": fo_brief(fo),
            "remaining_fulfillment_order": fo_brief(new),
            "replacement_fulfillment_order": None,
        }
        events.append(WebhookEvent("fulfillment_orders/split", payload))
    return Outcome(objects={"fulfillmentOrderSplits": results}, events=events)
