"""`routing_lease_takeovers_total`: a worker that takes over another's expired lease counts it, once.

A worker that dies (or stalls) mid-order leaves two leases behind: its delivery's, in the inbox,
and its order's. Real leases on a real SQLite store expire on an injected clock; the next
worker's processing takes both over and counts each under its own `lease` label.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.metrics import Metrics
from adapters.order_lease import OrderLease
from adapters.processing import OrderRouter
from adapters.rule_files import load_ruleset
from adapters.store import (
    DecisionLog,
    Inbox,
    NewDelivery,
    OrderLocks,
    create_engine,
    migrate,
    session_factory,
)
from engine.model import Snapshot
from tests.service.fakes import FakeStore
from tests.service.world import PROJECT, ROUTING_COMPLETE, SHOP


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    inbox: Inbox
    locks: OrderLocks
    store: FakeStore
    router: OrderRouter
    metrics: Metrics
    clock: Clock

    def takeovers(self, lease: str) -> float | None:
        return self.metrics.registry.get_sample_value("routing_lease_takeovers_total", {"lease": lease})

    async def store_delivery(self, webhook_id: str) -> None:
        body = {"fulfillment_order": {"id": self.store.state.fulfillment_orders[0].id, "status": "open"}}
        await self.inbox.store(
            NewDelivery(webhook_id=webhook_id, shop=SHOP, topic=ROUTING_COMPLETE, body=json.dumps(body))
        )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/routing.db")
    await migrate(engine)
    sessions = session_factory(engine)
    clock, metrics = Clock(), Metrics()
    snapshot = Snapshot.model_validate_json(
        (PROJECT / "fixtures" / "snapshots" / "us-order-moves-to-newark.json").read_text()
    )
    store = FakeStore(snapshot)
    inbox, locks = Inbox(sessions, clock=clock), OrderLocks(sessions, clock=clock)
    ruleset = load_ruleset(PROJECT / "rules")
    router = OrderRouter(
        stores={SHOP: store},
        ruleset=lambda: ruleset,
        inbox=inbox,
        locks=locks,
        log=DecisionLog(sessions),
        lease_seconds=30,
        metrics=metrics,
    )
    yield World(inbox, locks, store, router, metrics, clock)
    await engine.dispose()


async def test_a_worker_dead_mid_order_has_both_its_leases_taken_over_and_counted(world: World) -> None:
    await world.store_delivery("w-1")
    dead = await world.inbox.lease("dead-worker", 30)
    assert dead is not None and dead.taken_over_from is None
    assert await world.locks.acquire(SHOP, world.store.state.order.id, "dead-worker", 30)

    world.clock.now += timedelta(seconds=31)  # both leases expire: it never renewed them
    delivery = await world.inbox.lease("next-worker", 30)
    assert delivery is not None and delivery.id == dead.id and delivery.taken_over_from == "dead-worker"
    result = await world.router.process(delivery, owner="next-worker")

    assert result.state == "done" and world.store.writes  # the order was decided and written
    assert world.takeovers("delivery") == 1
    assert world.takeovers("order") == 1


async def test_leases_taken_fresh_renewed_or_given_back_are_no_takeovers(world: World) -> None:
    await world.store_delivery("w-1")
    first = await world.inbox.lease("worker", 30)
    assert first is not None
    assert await world.inbox.release(first.id, "worker", "shutting down")  # given back, not abandoned
    again = await world.inbox.lease("other-worker", 30)
    assert again is not None and again.taken_over_from is None
    await world.router.process(again, owner="other-worker")  # a new order lease, renewed before each write

    assert world.takeovers("delivery") == 0
    assert world.takeovers("order") == 0


async def test_a_takeover_is_counted_by_the_taker_only(world: World) -> None:
    order = world.store.state.order.id
    stalled = OrderLease(world.locks, SHOP, order, "stalled", 30, metrics=world.metrics)
    taker = OrderLease(world.locks, SHOP, order, "taker", 30, metrics=world.metrics)
    assert await stalled.renew()
    assert not await taker.renew()  # still held: waiting is no takeover
    world.clock.now += timedelta(seconds=31)
    assert await taker.renew()
    # The stalled worker checks in (as it does past half its lease): it learns it lost the order,
    # which the taker already counted.
    assert not await OrderLease(world.locks, SHOP, order, "stalled", 30, metrics=world.metrics).renew()

    assert world.takeovers("order") == 1
