"""Fulfillment orders as Shopify's answer to our own last write described them, for a moment.

A vendor PO and a hand-off move the lines and then hold them. The hold's precondition needs the
moved fulfillment order's state (status, holds, offered actions); the move's answer carries it,
so the hold needs no read of its own. An answer is used once and only while it is fresh: later
callers read afresh, as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from adapters.shopify import mapping
from engine.model import FulfillmentOrder

# Long enough for the write that follows in the same intent, short enough that nothing else leans on it.
FRESH_SECONDS = 10.0
_KEPT = 256


class AnsweredStates:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._states: dict[str, tuple[FulfillmentOrder, float]] = {}

    def remember_move(self, payload: dict[str, Any] | None) -> None:
        """Keep the moved fulfillment order of a `fulfillmentOrderMove` answer, if it says enough."""
        node = (payload or {}).get("movedFulfillmentOrder")
        if not node or not node.get("id") or "supportedActions" not in node or "status" not in node:
            return
        if len(self._states) >= _KEPT:
            self._states.pop(next(iter(self._states)))
        # Lines are not in the answer: the state serves preconditions that do not look at lines.
        self._states[node["id"]] = (mapping.map_fulfillment_order(node, lines=()), self._clock())

    def take(self, fulfillment_order_id: str) -> FulfillmentOrder | None:
        """The answered state of the fulfillment order, once, if still fresh."""
        kept = self._states.pop(fulfillment_order_id, None)
        if kept is None or self._clock() - kept[1] > FRESH_SECONDS:
            return None
        return kept[0]
