"""Dead letters: failed deliveries are listed newest first, never block others, and can be put back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store import Inbox, NewDelivery
from adapters.store.dead_letters import DeadLetters, Retried

US = "north-wind-us.myshopify.com"
CA = "north-wind-ca.myshopify.com"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def delivery(webhook_id: str, shop: str = US) -> NewDelivery:
    return NewDelivery(
        webhook_id=webhook_id,
        shop=shop,
        topic="fulfillment_orders/order_routing_complete",
        body='{"fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1", "status": "open"}}',
    )


async def fail(inbox: Inbox, clock: Clock, webhook_id: str, shop: str = US, reason: str = "boom") -> int:
    """Store a delivery, lease it and end it as failed (as a worker does); its id."""
    await inbox.store(delivery(webhook_id, shop))
    leased = await inbox.lease("worker-a", lease_seconds=30)
    assert leased is not None and leased.webhook_id == webhook_id
    await inbox.finish(leased.id, "worker-a", "failed", reason)
    clock.advance(1)
    return leased.id


async def test_failed_deliveries_are_listed_newest_first_with_their_reason(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    inbox, letters = Inbox(sessions, clock=clock), DeadLetters(sessions, clock=clock)
    first = await fail(inbox, clock, "w-1", reason="ShopifyError: fulfillment order not found")
    second = await fail(inbox, clock, "w-2", shop=CA, reason="MalformedDelivery: not JSON")
    await inbox.store(delivery("w-3"))  # pending: not a dead letter

    listed = await letters.failed()
    assert [(d.id, d.webhook_id, d.shop) for d in listed] == [(second, "w-2", CA), (first, "w-1", US)]
    assert listed[1].note == "ShopifyError: fulfillment order not found"
    assert listed[1].attempts == 1
    assert listed[1].failed_at == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert [d.id for d in await letters.failed(shop=US)] == [first]
    assert [d.id for d in await letters.failed(limit=1)] == [second]
    assert await letters.count() == 2 and await letters.count(shop=CA) == 1


async def test_a_failed_delivery_never_blocks_the_others(sessions: async_sessionmaker[AsyncSession]) -> None:
    clock = Clock()
    inbox = Inbox(sessions, clock=clock)
    await fail(inbox, clock, "w-1")
    await inbox.store(delivery("w-2"))
    leased = await inbox.lease("worker-b", lease_seconds=30)
    assert leased is not None and leased.webhook_id == "w-2"
    assert await inbox.lease("worker-c", lease_seconds=30) is None  # the failed one stays put


async def test_a_retried_delivery_is_pending_again_with_attempts_reset(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    inbox, letters = Inbox(sessions, clock=clock), DeadLetters(sessions, clock=clock)
    failed_id = await fail(inbox, clock, "w-1", reason="ShopifyError: userError")
    clock.advance(60)

    assert await letters.retry([failed_id]) == Retried((failed_id,))
    row = await inbox.get("w-1")
    assert row is not None
    assert (row.state, row.attempts, row.lease_owner, row.lease_until, row.finished_at) == (
        "pending",
        0,
        None,
        None,
        None,
    )
    assert row.note == "retried by hand at 2026-11-27T12:01:01Z; it had failed: ShopifyError: userError"
    assert await letters.failed() == []
    again = await inbox.lease("worker-b", lease_seconds=30)
    assert again is not None and again.id == failed_id and again.attempts == 1


async def test_retry_with_an_unknown_id_changes_nothing_and_names_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    inbox, letters = Inbox(sessions, clock=clock), DeadLetters(sessions, clock=clock)
    failed_id = await fail(inbox, clock, "w-1")
    await inbox.store(delivery("w-2"))
    pending = await inbox.get("w-2")
    assert pending is not None

    result = await letters.retry([failed_id, pending.id, 9999])
    assert result == Retried((), (pending.id, 9999))  # pending is not a dead letter either
    assert [d.id for d in await letters.failed()] == [failed_id]


async def test_retry_all_takes_every_failed_delivery_of_a_shop(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    inbox, letters = Inbox(sessions, clock=clock), DeadLetters(sessions, clock=clock)
    us_one = await fail(inbox, clock, "w-1")
    ca = await fail(inbox, clock, "w-2", shop=CA)
    us_two = await fail(inbox, clock, "w-3")

    assert await letters.retry_all(shop=US) == Retried((us_one, us_two))
    assert [d.id for d in await letters.failed()] == [ca]
    assert await letters.retry_all() == Retried((ca,))
    assert await letters.retry_all() == Retried(())
    assert await inbox.counts() == {"pending": 3}
