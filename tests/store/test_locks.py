"""One order is decided by one worker at a time; a dead worker's lock expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store import OrderLocks

SHOP, ORDER = "north-wind-us.myshopify.com", "gid://shopify/Order/1"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_held_order_lock_refuses_another_worker(sessions: async_sessionmaker[AsyncSession]) -> None:
    locks = OrderLocks(sessions)
    assert await locks.acquire(SHOP, ORDER, "a", 30)
    assert not await locks.acquire(SHOP, ORDER, "b", 30)
    assert await locks.acquire(SHOP, ORDER, "a", 30), "the holder renews its own lock"


async def test_a_released_lock_can_be_taken(sessions: async_sessionmaker[AsyncSession]) -> None:
    locks = OrderLocks(sessions)
    await locks.acquire(SHOP, ORDER, "a", 30)
    await locks.release(SHOP, ORDER, "b")  # not the owner: no effect
    assert not await locks.acquire(SHOP, ORDER, "b", 30)
    await locks.release(SHOP, ORDER, "a")
    assert await locks.acquire(SHOP, ORDER, "b", 30)


async def test_an_expired_lock_is_taken_over(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    locks = OrderLocks(sessions, clock=clock)
    await locks.acquire(SHOP, ORDER, "dead-worker", 30)
    clock.now += timedelta(seconds=31)
    assert await locks.acquire(SHOP, ORDER, "b", 30)


async def test_locks_are_per_order_and_per_shop(sessions: async_sessionmaker[AsyncSession]) -> None:
    locks = OrderLocks(sessions)
    assert await locks.acquire(SHOP, ORDER, "a", 30)
    assert await locks.acquire(SHOP, "gid://shopify/Order/2", "b", 30)
    assert await locks.acquire("north-wind-ca.myshopify.com", ORDER, "c", 30)


async def test_locks_of_stopped_workers_are_handed_over_after_a_delay(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    locks = OrderLocks(sessions, clock=clock)
    await locks.acquire(SHOP, ORDER, "stopping-worker", 600)
    assert await locks.release_all(["stopping-worker"], after_seconds=10) == 1
    assert not await locks.acquire(SHOP, ORDER, "b", 30), "a write may still be on its way"
    clock.now += timedelta(seconds=11)
    assert await locks.acquire(SHOP, ORDER, "b", 30)
