"""Moving lines to the location that stands for an outside source (a vendor, another store)."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.ports import StoreGateway
from adapters.shopify.outcomes import IntentOutcome, IntentResult
from engine.intents import LineQuantity, MoveFulfillmentOrder, PurchaseOrderItem
from engine.model import Snapshot


async def move_to(
    gateway: StoreGateway,
    *,
    fulfillment_order_id: str,
    from_location_id: str | None,
    to_location_id: str,
    whole: bool,
    lines: Sequence[PurchaseOrderItem],
    snapshot: Snapshot | None,
    decided_on: Snapshot | None,
) -> str | IntentResult:
    """The fulfillment order that holds the lines at `to_location_id` once moved (a partial move
    carves them out into a new one), or the failed move's result."""
    if from_location_id == to_location_id:
        return fulfillment_order_id
    move = MoveFulfillmentOrder(
        fulfillment_order_id=fulfillment_order_id,
        from_location_id=from_location_id,
        to_location_id=to_location_id,
        lines=() if whole else tuple(LineQuantity(id=line.id, quantity=line.quantity) for line in lines),
    )
    moved = await gateway.apply(move, snapshot=snapshot, decided_on=decided_on)
    if moved.outcome is IntentOutcome.FAILED:
        return moved
    carved = moved.created_ids[0] if not whole and moved.created_ids else None
    return moved.new_ids.get(fulfillment_order_id) or carved or fulfillment_order_id
