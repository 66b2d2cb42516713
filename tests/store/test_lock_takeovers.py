"""`OrderLocks.take` names how a lease was taken, on SQLite and PostgreSQL: the metric's source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store import OrderLocks

SHOP, ORDER = "north-wind-us.myshopify.com", "gid://shopify/Order/1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_lease_is_new_renewed_refused_then_taken_over_once_expired(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    locks = OrderLocks(sessions, clock=clock)
    assert await locks.take(SHOP, ORDER, "a", 30) == "new"
    assert await locks.take(SHOP, ORDER, "a", 30) == "renewed"
    assert await locks.take(SHOP, ORDER, "b", 30) is None
    clock.now += timedelta(seconds=31)
    assert await locks.take(SHOP, ORDER, "b", 30) == "taken_over"
    assert await locks.take(SHOP, ORDER, "a", 30) is None
    await locks.release(SHOP, ORDER, "b")
    assert await locks.take(SHOP, ORDER, "a", 30) == "new"  # given back: no takeover
