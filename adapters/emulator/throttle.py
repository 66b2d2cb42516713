"""A leaky bucket of query-cost points per store, as Shopify's GraphQL Admin API keeps per app and shop."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CostBucket:
    maximum_available: int
    restore_rate: int
    available: float = -1.0
    updated: float = field(default_factory=time.monotonic)
    calls: int = 0
    points_spent: int = 0
    throttled: int = 0

    def __post_init__(self) -> None:
        if self.available < 0:
            self.available = float(self.maximum_available)

    def _restore(self) -> None:
        current = time.monotonic()
        self.available = min(
            self.maximum_available, self.available + (current - self.updated) * self.restore_rate
        )
        self.updated = current

    def try_take(self, cost: int) -> bool:
        self._restore()
        self.calls += 1
        if cost > self.available:
            self.throttled += 1
            return False
        self.available -= cost
        return True

    def refund(self, points: int) -> None:
        self.available = min(self.maximum_available, self.available + points)

    def drain(self) -> None:
        """Empty the bucket (fault injection): the next calls are throttled until it refills."""
        self._restore()
        self.available = 0.0

    def status(self) -> dict[str, Any]:
        self._restore()
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": int(self.available),
            "restoreRate": self.restore_rate,
        }
