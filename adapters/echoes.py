"""Recognising the webhooks that our own writes cause, so that they never start a new decision.

Our moves, holds, releases and splits come back as `fulfillment_orders/moved`, `placed_on_hold`,
`hold_released`, `split` and `fulfillment_holds/added|released`. A hold is ours when its handle
carries our prefix; a move, split or release is ours when the decision log holds our write on
that fulfillment order.
"""

from __future__ import annotations

from typing import Any

from engine.intents import is_our_hold_handle

ECHO_TOPICS = frozenset(
    {
        "fulfillment_orders/moved",
        "fulfillment_orders/placed_on_hold",
        "fulfillment_orders/hold_released",
        "fulfillment_orders/split",
        "fulfillment_holds/added",
        "fulfillment_holds/released",
    }
)
# Which of our intent kinds can cause each echo topic.
CAUSES: dict[str, tuple[str, ...]] = {
    "fulfillment_orders/moved": ("move",),
    "fulfillment_orders/split": ("move", "hold"),
    "fulfillment_orders/hold_released": ("release_hold",),
}


def hold_handles(topic: str, body: dict[str, Any]) -> list[str | None]:
    """The handles of the holds a hold webhook reports (empty for other topics)."""
    if topic == "fulfillment_orders/placed_on_hold":
        hold = body.get("created_fulfillment_hold") or {}
        return [hold.get("handle")] if hold else []
    if topic in ("fulfillment_holds/added", "fulfillment_holds/released"):
        return [(body.get("fulfillment_hold") or {}).get("handle")]
    return []


def is_our_hold_echo(topic: str, body: dict[str, Any]) -> bool:
    handles = hold_handles(topic, body)
    return bool(handles) and all(is_our_hold_handle(handle) for handle in handles)


def fulfillment_order_ids(body: dict[str, Any]) -> list[str]:
    """Every fulfillment-order id a fulfillment-order webhook mentions."""
    keys = (
        "fulfillment_order",
        "original_fulfillment_order",
        "moved_fulfillment_order",
        "remaining_fulfillment_order",
        "replacement_fulfillment_order",
    )
    ids = []
    for key in keys:
        value = body.get(key)
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            ids.append(value["id"])
    return ids
