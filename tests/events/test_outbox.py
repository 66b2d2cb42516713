"""The outbox keeps an event exactly when the change it tells of commits, and refuses what it cannot send."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.events import EventOutbox


async def test_a_published_event_is_kept_undelivered_with_its_payload(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    woken: list[int] = []
    outbox = EventOutbox(sessions, wake=lambda: woken.append(1))
    event_id = await outbox.publish("decision.made", {"order_id": "gid://shopify/Order/1"})
    assert event_id is not None and woken == [1]
    event = await outbox.get(event_id)
    assert event is not None and event.type == "decision.made" and event.attempts == 0
    assert event.payload == {"order_id": "gid://shopify/Order/1"} and event.delivered_at is None
    assert [e.id for e in await outbox.undelivered()] == [event_id]


async def test_an_event_published_in_a_transaction_that_rolls_back_is_not_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    outbox = EventOutbox(sessions)
    async with sessions() as session, session.begin():
        kept = await outbox.publish("handoff.created", {"n": 1}, session=session)
    async with sessions() as session:
        await session.begin()
        dropped = await outbox.publish("handoff.failed", {"n": 2}, session=session)
        await session.rollback()
    assert kept is not None and await outbox.get(kept) is not None
    assert dropped is not None and await outbox.get(dropped) is None


async def test_an_unknown_type_or_a_payload_that_is_not_json_is_refused_naming_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    outbox = EventOutbox(sessions)
    with pytest.raises(ValueError, match="'order.shipped' is not one of"):
        await outbox.publish("order.shipped", {})
    with pytest.raises(ValueError, match="payload of a decision.made event is not JSON"):
        await outbox.publish("decision.made", {"at": object()})
    assert await outbox.undelivered() == []


async def test_a_disabled_outbox_keeps_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Without an events URL nobody would ever acknowledge an event: the outbox would only grow."""
    outbox = EventOutbox(sessions, enabled=False)
    assert await outbox.publish("decision.made", {"n": 1}) is None
    assert await outbox.undelivered() == []
