"""Pure precondition checks: may this intent be written now, or is it done / superseded?

The engine's mutations take no idempotency key, so each write is guarded by the state it
expects. Each check returns an `IntentResult` that settles the intent without a write, or None
when the write should go ahead. State comes from a snapshot read under the order lock or from
a fresh state read; the checks do not care which.
"""

from __future__ import annotations

from collections.abc import Iterable

from adapters.shopify.outcomes import IntentResult, already_done, failed, superseded
from engine.intents import HoldFulfillmentOrder, LineQuantity, MoveFulfillmentOrder, ReleaseHold
from engine.model import FulfillmentOrder, Hold

FINISHED_STATUSES = frozenset({"CLOSED", "CANCELLED", "INCOMPLETE"})
MOVABLE_STATUSES = frozenset({"OPEN", "ON_HOLD"})
# Shopify refuses moves while a fulfillment service has (or is cancelling) the request.
BLOCKING_REQUEST_STATUSES = frozenset(
    {"SUBMITTED", "ACCEPTED", "CANCELLATION_REQUESTED", "CANCELLATION_REJECTED"}
)


def check_move(
    intent: MoveFulfillmentOrder,
    fo: FulfillmentOrder | None,
    siblings: Iterable[FulfillmentOrder],
    refusal: str | None = None,
) -> IntentResult | None:
    """Settle a move without writing, or None to write it. `refusal` is locationsForMove's message."""
    target = intent.to_location_id
    if fo is None:
        return superseded(f"{intent.fulfillment_order_id} no longer exists")
    if fo.assigned_location_id == target and fo.status not in FINISHED_STATUSES:
        return already_done(f"{fo.id} is already at {target}")
    at_target = _open_sibling_at(siblings, target, besides=fo.id)
    if fo.status in FINISHED_STATUSES:
        # A move into a location that already has an FO of the order merges and closes the original.
        if fo.status == "CLOSED" and at_target is not None:
            return already_done(
                f"{fo.id} is closed; its lines are at {target} in {at_target.id}", {fo.id: at_target.id}
            )
        return superseded(f"{fo.id} is {fo.status}")
    if intent.lines and not _holds_lines(fo, intent.lines):
        if at_target is not None:
            # The original stays with its other lines: the one at the target is created, not a rename.
            return already_done(
                f"the lines to move are at {target} in {at_target.id}", created_ids=(at_target.id,)
            )
        return superseded(f"{fo.id} no longer has the lines and quantities to move")
    if intent.from_location_id is not None and fo.assigned_location_id != intent.from_location_id:
        return superseded(
            f"{fo.id} is at {fo.assigned_location_id}, not {intent.from_location_id}: moved by someone else"
        )
    if fo.held_by_others:
        # Shopify would move it (ON_HOLD still lists MOVE); a hold by staff or another app means "leave it".
        return superseded(f"{fo.id} is held by the merchant or another app ({_hold_reasons(fo.holds)})")
    if fo.request_status in BLOCKING_REQUEST_STATUSES:
        return superseded(f"{fo.id} has a fulfillment request in status {fo.request_status}")
    if fo.status not in MOVABLE_STATUSES:
        return superseded(f"{fo.id} is {fo.status}")
    if "MOVE" not in fo.supported_actions:
        return failed(
            f"Shopify does not offer MOVE on {fo.id} (offers {', '.join(sorted(fo.supported_actions))})"
        )
    if fo.movable_to is None or target not in fo.movable_to:
        return failed(f"Shopify cannot move {fo.id} to {target}: {refusal or 'not movable'}")
    return None


def check_hold(intent: HoldFulfillmentOrder, fo: FulfillmentOrder | None) -> IntentResult | None:
    if fo is None:
        return superseded(f"{intent.fulfillment_order_id} no longer exists")
    if fo.our_hold(intent.handle) is not None:
        return already_done(f"{fo.id} already has our hold {intent.handle}")
    if fo.status in FINISHED_STATUSES:
        return superseded(f"{fo.id} is {fo.status}")
    if "HOLD" not in fo.supported_actions:
        return failed(f"Shopify does not offer HOLD on {fo.id} (status {fo.status})")
    return None


def hold_to_release(intent: ReleaseHold, fo: FulfillmentOrder | None) -> IntentResult | Hold:
    """Our hold with the intent's handle, or the result that settles the intent without a write."""
    if fo is None:
        return superseded(f"{intent.fulfillment_order_id} no longer exists")
    hold = fo.our_hold(intent.handle)
    if hold is None:
        return already_done(f"{fo.id} has no hold of ours with handle {intent.handle}")
    return hold


def _holds_lines(fo: FulfillmentOrder, wanted: Iterable[LineQuantity]) -> bool:
    remaining = {line.id: line.remaining_quantity for line in fo.lines}
    return all(remaining.get(line.id, 0) >= line.quantity for line in wanted)


def _open_sibling_at(
    siblings: Iterable[FulfillmentOrder], location_id: str, *, besides: str
) -> FulfillmentOrder | None:
    return next(
        (
            fo
            for fo in siblings
            if fo.id != besides
            and fo.assigned_location_id == location_id
            and fo.status not in FINISHED_STATUSES
        ),
        None,
    )


def _hold_reasons(holds: Iterable[Hold]) -> str:
    return ", ".join(
        f"{hold.reason}{f' {hold.handle}' if hold.handle else ''}" for hold in holds if not hold.held_by_us
    )
