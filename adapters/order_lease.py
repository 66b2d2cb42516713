"""An order's lease as one worker holds it while deciding and writing (see `adapters.store.locks`)."""

from __future__ import annotations

import time

from adapters.metrics import NO_METRICS, Metrics
from adapters.store import OrderLocks


class OrderLease:
    """The order's lease as held by one worker, renewed before every write once half of it is gone.

    While less than half of the lease has passed since it was last taken or renewed, it is still
    ours (another worker may take it only once it has expired), so no database round trip is made.
    Taking over another worker's expired lease (it crashed or stalled mid-order) is counted in
    `routing_lease_takeovers_total{lease="order"}`.
    """

    def __init__(
        self,
        locks: OrderLocks,
        shop: str,
        order_id: str,
        owner: str,
        lease_seconds: float,
        *,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.locks = locks
        self.shop = shop
        self.order_id = order_id
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.metrics = metrics
        self._renewed_at: float | None = None

    async def renew(self) -> bool:
        if self._renewed_at is not None and time.monotonic() - self._renewed_at < self.lease_seconds / 2:
            return True
        started = time.monotonic()
        taken = await self.locks.take(self.shop, self.order_id, self.owner, self.lease_seconds)
        if taken == "taken_over":
            self.metrics.lease_taken_over("order")
        self._renewed_at = started if taken is not None else None
        return taken is not None
