"""Graceful shutdown of the worker pool: stop leasing, let in-flight work finish, release the rest."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.processing import Result
from adapters.store import Delivery, Inbox, NewDelivery, OrderLocks, create_engine, migrate, session_factory
from adapters.workers import CUT_SHORT, WorkerPool

SHOP = "north-wind-us.myshopify.com"


class HeldRouter:
    """Takes the delivery's order lock as processing does, then waits until the test lets it go on."""

    def __init__(self, locks: OrderLocks, *, expect: int) -> None:
        self.locks = locks
        self.go_on = asyncio.Event()
        self.all_started = asyncio.Event()
        self.started: list[str] = []
        self.processed: list[str] = []
        self._expect = expect

    async def process(self, delivery: Delivery, *, owner: str) -> Result:
        order_id = order_of(delivery.webhook_id)
        assert await self.locks.acquire(SHOP, order_id, owner, 30)
        self.started.append(delivery.webhook_id)
        if len(self.started) == self._expect:
            self.all_started.set()
        try:
            await self.go_on.wait()
        finally:
            await self.locks.release(SHOP, order_id, owner)
        self.processed.append(delivery.webhook_id)
        return Result("done", "processed", order_id)


def order_of(webhook_id: str) -> str:
    return f"gid://shopify/Order/{webhook_id.removeprefix('w-')}"


@dataclass
class Store:
    inbox: Inbox
    locks: OrderLocks

    async def deliver(self, *webhook_ids: str) -> None:
        for webhook_id in webhook_ids:
            body = json.dumps({"id": webhook_id})
            await self.inbox.store(NewDelivery(webhook_id=webhook_id, shop=SHOP, topic="t", body=body))

    def pool(self, router: HeldRouter, size: int) -> WorkerPool:
        return WorkerPool(inbox=self.inbox, locks=self.locks, router=router, size=size, lease_seconds=30)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/routing.db")
    await migrate(engine)
    sessions = session_factory(engine)
    yield Store(Inbox(sessions), OrderLocks(sessions))
    await engine.dispose()


async def test_stopping_lets_the_delivery_in_flight_finish_and_leases_nothing_new(store: Store) -> None:
    await store.deliver("w-1", "w-2")
    router = HeldRouter(store.locks, expect=1)
    pool = store.pool(router, size=1)
    pool.start()
    await router.all_started.wait()

    stopping = asyncio.create_task(pool.stop(grace_seconds=3600))
    await asyncio.sleep(0)  # the stop is requested while w-1 is still in flight
    router.go_on.set()
    await stopping

    assert router.processed == ["w-1"], "the delivery in flight finished; nothing new was leased"
    first, second = await store.inbox.get("w-1"), await store.inbox.get("w-2")
    assert first is not None and first.state == "done" and first.lease_owner is None
    assert second is not None and second.state == "pending" and second.lease_owner is None
    assert second.attempts == 0
    assert await store.locks.acquire(SHOP, order_of("w-1"), "next-start", 30)


async def test_work_still_in_flight_after_the_grace_is_cut_short_and_released_at_once(store: Store) -> None:
    await store.deliver("w-1", "w-2", "w-3")
    router = HeldRouter(store.locks, expect=2)  # never let go on
    pool = store.pool(router, size=2)
    pool.start()
    await router.all_started.wait()
    assert pool.in_flight == 2

    await pool.stop(grace_seconds=0)

    assert router.processed == []
    assert pool.in_flight == 0
    for webhook_id in router.started:
        row = await store.inbox.get(webhook_id)
        assert row is not None and row.state == "pending"
        assert row.lease_owner is None and row.lease_until is None, "released, not left to expire"
        assert row.note == CUT_SHORT
        # The order locks are free for another replica now, not after ROUTING_LEASE_SECONDS.
        assert await store.locks.acquire(SHOP, order_of(webhook_id), "another-replica", 30)
    taken = {await store.inbox.lease("another-replica", 30) for _ in range(3)}
    assert {d.webhook_id for d in taken if d is not None} == {"w-1", "w-2", "w-3"}


async def test_an_idle_pool_stops_without_waiting_out_the_grace(store: Store) -> None:
    router = HeldRouter(store.locks, expect=1)
    pool = store.pool(router, size=3)
    pool.start()
    await asyncio.sleep(0)
    await pool.stop(grace_seconds=3600)  # would hang the test if idle workers were not woken
    assert router.started == []
