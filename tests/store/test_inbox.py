"""The inbox stores each delivery once and hands it to one worker at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store import Inbox, NewDelivery


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def delivery(
    webhook_id: str = "w-1", topic: str = "fulfillment_orders/order_routing_complete"
) -> NewDelivery:
    return NewDelivery(
        webhook_id=webhook_id,
        shop="north-wind-us.myshopify.com",
        topic=topic,
        body='{"fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1", "status": "open"}}',
        event_id="e-1",
        triggered_at="2026-11-27T12:00:00.000000000Z",
        api_version="2026-10",
    )


async def test_a_delivery_is_stored_once_per_webhook_id(sessions: async_sessionmaker[AsyncSession]) -> None:
    inbox = Inbox(sessions)
    assert await inbox.store(delivery()) is True
    assert await inbox.store(delivery()) is False
    assert await inbox.counts() == {"pending": 1}


async def test_a_stored_delivery_keeps_every_header_field(sessions: async_sessionmaker[AsyncSession]) -> None:
    inbox = Inbox(sessions)
    await inbox.store(delivery())
    row = await inbox.get("w-1")
    assert row is not None
    assert (row.topic, row.shop, row.event_id, row.api_version) == (
        "fulfillment_orders/order_routing_complete",
        "north-wind-us.myshopify.com",
        "e-1",
        "2026-10",
    )
    assert row.triggered_at == "2026-11-27T12:00:00.000000000Z"


async def test_a_leased_delivery_is_not_leased_again_until_its_lease_expires(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    await inbox.store(delivery())
    first = await inbox.lease("worker-a", lease_seconds=30)
    assert first is not None and first.attempts == 1
    assert await inbox.lease("worker-b", lease_seconds=30) is None
    clock.advance(31)
    taken_over = await inbox.lease("worker-b", lease_seconds=30)
    assert taken_over is not None and taken_over.id == first.id and taken_over.attempts == 2


async def test_a_renewed_lease_keeps_the_delivery(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    await inbox.store(delivery())
    leased = await inbox.lease("worker-a", lease_seconds=30)
    assert leased is not None
    clock.advance(20)
    assert await inbox.renew(leased.id, "worker-a", lease_seconds=30)
    clock.advance(20)
    assert await inbox.lease("worker-b", lease_seconds=30) is None


async def test_only_the_lease_owner_can_finish_a_delivery(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    await inbox.store(delivery())
    leased = await inbox.lease("worker-a", lease_seconds=30)
    assert leased is not None
    await inbox.finish(leased.id, "worker-b", "done", "not mine")
    assert await inbox.counts() == {"pending": 1}
    await inbox.finish(leased.id, "worker-a", "done", "decided", order_id="gid://shopify/Order/1")
    assert await inbox.counts() == {"done": 1}
    row = await inbox.get("w-1")
    assert row is not None and row.note == "decided" and row.order_id == "gid://shopify/Order/1"


async def test_a_delivery_put_back_waits_for_its_delay(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    await inbox.store(delivery())
    leased = await inbox.lease("worker-a", lease_seconds=30)
    assert leased is not None
    await inbox.retry_later(leased.id, "worker-a", 5, "Shopify unavailable")
    assert await inbox.lease("worker-a", lease_seconds=30) is None
    clock.advance(6)
    assert await inbox.lease("worker-a", lease_seconds=30) is not None


async def test_deliveries_are_leased_oldest_first(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    for index in range(3):
        await inbox.store(delivery(f"w-{index}"))
        clock.advance(1)
    order = []
    while (leased := await inbox.lease("worker", lease_seconds=30)) is not None:
        order.append(leased.webhook_id)
    assert order == ["w-0", "w-1", "w-2"]


async def test_concurrent_deliveries_are_stored_together_and_duplicates_recognised(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    import asyncio

    inbox = Inbox(sessions)
    ids = [f"w-{n % 40}" for n in range(60)]  # twenty webhook ids arrive twice, some in one batch
    stored = await asyncio.gather(*(inbox.store(delivery(webhook_id)) for webhook_id in ids))
    assert sum(stored) == 40
    assert {webhook_id for webhook_id, new in zip(ids, stored, strict=True) if new} == set(ids)
    assert await inbox.counts() == {"pending": 40}


async def test_a_delivery_nothing_acts_on_is_kept_but_never_leased(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    from dataclasses import replace

    inbox = Inbox(sessions)
    assert await inbox.store(replace(delivery(topic="orders/updated"), needs_processing=False))
    assert await inbox.lease("worker", lease_seconds=30) is None
    assert await inbox.counts() == {"stored": 1}
