"""What the outbound events say about our own records (see `adapters.events` for how they travel)."""

from __future__ import annotations

from typing import Any

from engine import Decision


def decision_event(decision_id: str, decision: Decision) -> dict[str, Any]:
    """`decision.made`: which order, what became of each fulfillment order, which writes follow."""
    return {
        "decision_id": decision_id,
        "store": decision.store,
        "order_id": decision.order_id,
        "order_name": decision.order_name,
        "outcome": decision.outcome,
        "ruleset": decision.ruleset_version,
        "fulfillment_orders": [
            {
                "id": fo.fulfillment_order_id,
                "action": fo.action,
                "strategy": fo.strategy,
                "from": fo.from_location_id,
                "to": fo.to_location_id,
                "hold_reason": fo.hold_reason,
            }
            for fo in decision.fulfillment_orders
        ],
        "intents": [intent.kind for intent in decision.intents],
    }
