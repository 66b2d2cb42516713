"""Fulfillment-order statuses as Shopify's answer to our own last read or move gave them, briefly.

A vendor PO and a hand-off move the lines (unless Shopify already put them there) and then hold
them. The order read moments ago, or the move's answer, says what the fulfillment order is now
(its id and status), which is what the hold must know before it is sent; whether Shopify offers
HOLD on it, Shopify's answer to the hold says (a refusal is a userError, our own hold already
there is DUPLICATE_FULFILLMENT_HOLD_HANDLE). So the hold needs no read of its own. A status is
used once and only while fresh: later callers read afresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

# Long enough for the write that follows in the same intent, short enough that nothing else leans on it.
FRESH_SECONDS = 10.0
_KEPT = 256


class AnsweredStates:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._statuses: dict[str, tuple[str, float]] = {}

    def remember_move(self, payload: dict[str, Any] | None) -> None:
        """Keep the status of the moved fulfillment order of a `fulfillmentOrderMove` answer."""
        node = (payload or {}).get("movedFulfillmentOrder") or {}
        if not node.get("id") or not node.get("status"):
            return
        self._keep(str(node["id"]), str(node["status"]))

    def _keep(self, fulfillment_order_id: str, status: str) -> None:
        self._statuses.pop(fulfillment_order_id, None)
        if len(self._statuses) >= _KEPT:
            self._statuses.pop(next(iter(self._statuses)))
        self._statuses[fulfillment_order_id] = (status, self._clock())

    def remember_read(self, statuses: Mapping[str, str]) -> None:
        """Keep the statuses of an order read (fulfillment order id -> status)."""
        for fulfillment_order_id, status in statuses.items():
            self._keep(fulfillment_order_id, status)

    def take(self, fulfillment_order_id: str) -> str | None:
        """The answered status of the fulfillment order, once, if still fresh."""
        kept = self._statuses.pop(fulfillment_order_id, None)
        if kept is None or self._clock() - kept[1] > FRESH_SECONDS:
            return None
        return kept[0]
