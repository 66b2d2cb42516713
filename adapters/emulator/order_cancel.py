"""orderCancel: what Shopify refuses (recorded messages) and what cancelling an order changes.

From the 2026-04 fulfillment-create recordings: the answer carries a job (`done: false`) and the
errors twice (`orderCancelUserErrors` with a code, the deprecated `userErrors` without);
afterwards the order has `cancelledAt` and `cancelReason` but is not `closed`, and its fulfillment
orders are CLOSED with their remaining quantities unchanged. A second cancel and a cancel after
a fulfillment are refused with code INVALID on `orderId`. The emulator cancels at once (the job
is already done when the answer says it is not). Not recorded, our reading: an unknown order is
NOT_FOUND; units still committed go back to `available` when restocked, and leave `on_hand`
when not.
"""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.emulator.fulfillment_create import fulfillments_of
from adapters.emulator.orders import Order
from adapters.emulator.outcomes import Outcome, UserError, WebhookEvent
from adapters.emulator.rest import local_stamp, order_resource
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store

ALREADY_CANCELLED = "Cannot cancel an order that has already been canceled"
HAS_FULFILLMENTS = "Cannot cancel an order that has outstanding fulfillments"
NOT_FOUND = "Order does not exist"


@dataclass(frozen=True)
class Cancellation:
    at: datetime
    reason: str  # OrderCancelReason, upper case
    restocked: bool
    staff_note: str | None = None


# Per emulated world and store domain, so that a reset forgets them with the rest.
_CANCELLED: weakref.WeakKeyDictionary[EmulatorState, dict[str, dict[str, Cancellation]]] = (
    weakref.WeakKeyDictionary()
)


def cancellation_of(state: EmulatorState, store: Store, order_id: str) -> Cancellation | None:
    """How and when the order was cancelled; None while it is not."""
    return _CANCELLED.get(state, {}).get(store.domain, {}).get(order_id)


def _refused(error: UserError) -> Outcome:
    return Outcome(objects={"job": None, "orderCancelUserErrors": [error]}, user_errors=[error])


def cancel_order(
    state: EmulatorState,
    store: Store,
    order_id: str,
    *,
    reason: str,
    restock: bool,
    staff_note: str | None = None,
) -> Outcome:
    """Cancel the order: close its fulfillment orders, release what they still commit, and send
    `orders/cancelled`."""
    order = store.orders.get(order_id)
    if order is None:
        return _refused(UserError(NOT_FOUND, ["orderId"], "NOT_FOUND"))
    if cancellation_of(state, store, order.id) is not None:
        return _refused(UserError(ALREADY_CANCELLED, ["orderId"], "INVALID"))
    if fulfillments_of(state, store, order.id):
        return _refused(UserError(HAS_FULFILLMENTS, ["orderId"], "INVALID"))
    stamp = now()
    for fo in store.fulfillment_orders_of(order.id):
        if fo.is_closed:
            continue
        for line in fo.line_items:
            if restock:
                store.inventory.commit(
                    line.inventory_item_id, fo.assigned_location_id, -line.remaining_quantity
                )
            elif level := store.inventory.level(line.inventory_item_id, fo.assigned_location_id):
                level.committed -= line.remaining_quantity
        fo.status = "CLOSED"
        fo.updated_at = stamp
    cancellation = Cancellation(stamp, reason, restock, staff_note)
    _CANCELLED.setdefault(state, {}).setdefault(store.domain, {})[order.id] = cancellation
    order.updated_at = stamp
    job = {"id": f"gid://shopify/Job/{uuid.uuid4()}", "done": False}
    return Outcome(
        objects={"job": job, "orderCancelUserErrors": []},
        events=[WebhookEvent("orders/cancelled", cancelled_payload(store, order, cancellation))],
    )


def cancelled_payload(store: Store, order: Order, cancellation: Cancellation) -> dict[str, Any]:
    """The `orders/cancelled` body: the REST order resource with its cancellation filled in."""
    return {
        **order_resource(store, order),
        "cancelled_at": local_stamp(store, cancellation.at),
        "cancel_reason": cancellation.reason.lower(),
        "closed_at": None,
    }
