"""Fulfillment orders this process has seen decided, and after which deliveries (in memory).

Shopify sends `fulfillment_orders/order_routing_complete` once per fulfillment order, so an order
split over three locations arrives as three webhooks, and each would read the whole order from the
Admin API again only to find the state its first decision already decided (an order read is the
largest cost of a decision). Every decision reads the order; if that read began after a webhook
was stored, it saw the state that webhook announces, or a newer one. The inbox's delivery ids are
handed out in arrival order, so "began after" is "the highest delivery id stored when the read
began is at least the webhook's": no clock is compared, across replicas either.

What is remembered is this process's own decisions, the most recent `capacity` fulfillment orders
(an order's webhooks arrive together, so the window a record must last is short; 5,000 records
are under 2 MB); a miss (another replica decided, or it was forgotten) only costs the read it
would have cost anyway.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Coverage:
    """The latest decision of an order that covered a fulfillment order, and its read's mark."""

    order_id: str
    decision_id: str | None  # None: the state read was one already decided
    deliveries_up_to: int  # the highest delivery id stored when the order read began


class DecidedFulfillmentOrders:
    def __init__(self, capacity: int = 5_000) -> None:
        self.capacity = capacity
        self._covered: OrderedDict[str, Coverage] = OrderedDict()

    def note(self, fulfillment_order_ids: Iterable[str], coverage: Coverage) -> None:
        """A read that began with deliveries up to `coverage.deliveries_up_to` decided these."""
        for fo_id in fulfillment_order_ids:
            known = self._covered.get(fo_id)
            if known is None or known.deliveries_up_to <= coverage.deliveries_up_to:
                self._covered[fo_id] = coverage
            self._covered.move_to_end(fo_id)
        while len(self._covered) > self.capacity:
            self._covered.popitem(last=False)

    def covering(self, fulfillment_order_id: str, delivery_id: int) -> Coverage | None:
        """The decision whose read began after delivery `delivery_id` was stored, if one is known."""
        known = self._covered.get(fulfillment_order_id)
        if known is None or known.deliveries_up_to < delivery_id:
            return None
        return known
