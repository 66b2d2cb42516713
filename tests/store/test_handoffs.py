"""The hand-off book: opened once per intent, closed forward only, and telling its changes as events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.events import EventOutbox
from adapters.store.handoffs import HandOffBook, HandOffLine, Opened, Tracking, UnknownHandOff

US = "north-wind-us.myshopify.com"
EU = "north-wind-eu.myshopify.com"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LINES = [
    HandOffLine("MUG-1", 2, "gid://shopify/FulfillmentOrderLineItem/71"),
    HandOffLine("TEA-9", 1, "gid://shopify/FulfillmentOrderLineItem/72"),
]


async def open_one(
    book: HandOffBook, key: str = "d1:0", *, order: str = "5001", origin: str = US, mode: str = "coordinator"
) -> Opened:
    return await book.open(
        decision_id=key,
        origin_store=origin,
        origin_order_id=f"gid://shopify/Order/{order}",
        origin_order_name=f"#{order}",
        origin_fulfillment_order_id="gid://shopify/FulfillmentOrder/7001",
        stand_in_location_id="gid://shopify/Location/90",
        fulfilling_store=EU if origin == US else US,
        fulfilling_location_id="gid://shopify/Location/9",
        mode=mode,  # type: ignore[arg-type]
        lines=LINES,
    )


async def test_a_hand_off_is_opened_with_its_lines_and_read_back_whole(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    book = HandOffBook(sessions, clock=lambda: NOW)
    opened = await open_one(book)
    assert opened.created
    handoff = await book.get(opened.handoff.id)
    assert handoff == opened.handoff
    assert handoff is not None and handoff.status == "open" and handoff.mode == "coordinator"
    assert handoff.lines == tuple(LINES) and handoff.created_at == NOW and handoff.completed_at is None
    assert handoff.tracking == Tracking() and handoff.linked_order_id is None


async def test_opening_again_with_the_same_intent_key_finds_the_hand_off_already_opened(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    book = HandOffBook(sessions)
    first = await open_one(book)
    again = await open_one(book)
    assert not again.created and again.handoff.id == first.handoff.id
    racing = await asyncio.gather(*(open_one(book, "d2:0") for _ in range(4)))
    assert len({r.handoff.id for r in racing}) == 1 and sum(r.created for r in racing) == 1
    assert len(await book.for_order(US, "gid://shopify/Order/5001")) == 2


async def test_a_hand_off_without_lines_or_to_its_own_store_or_in_an_unknown_mode_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    book = HandOffBook(sessions)
    base: dict[str, Any] = {
        "decision_id": "d9:0",
        "origin_store": US,
        "origin_order_id": "gid://shopify/Order/1",
        "origin_order_name": "#1",
        "origin_fulfillment_order_id": "gid://shopify/FulfillmentOrder/1",
        "stand_in_location_id": "gid://shopify/Location/90",
        "fulfilling_store": EU,
        "fulfilling_location_id": "gid://shopify/Location/9",
        "mode": "coordinator",
        "lines": LINES,
    }
    changes: list[tuple[dict[str, Any], str]] = [
        ({"lines": []}, "no lines"),
        ({"fulfilling_store": US}, "the fulfilling store is the origin"),
        ({"mode": "carrier-pigeon"}, "mode 'carrier-pigeon' is not one of"),
        ({"lines": [HandOffLine("MUG-1", 0, "x")]}, r"SKU\(s\) \['MUG-1'\] have no positive quantity"),
    ]
    for change, message in changes:
        with pytest.raises(ValueError, match=message):
            await book.open(**{**base, **change})
    assert await book.list([US]) == []


async def test_completing_records_the_tracking_and_closes_it_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    at = [NOW]
    book = HandOffBook(sessions, clock=lambda: at[0])
    handoff = (await open_one(book)).handoff
    at[0] = NOW + timedelta(hours=3)
    tracking = Tracking("DHL", ("JD0001", "JD0002"), ("https://dhl.example/JD0001",))
    done = await book.complete(handoff.id, tracking)
    assert (done.applied, done.previous, done.status) == (True, "open", "completed")
    assert done.handoff.tracking == tracking and done.handoff.completed_at == at[0]
    late = await book.fail(handoff.id, "warehouse flooded")
    assert (late.applied, late.previous, late.status) == (False, "completed", "completed")
    stored = await book.get(handoff.id)
    assert stored is not None and stored.status == "completed" and stored.tracking == tracking
    assert "failure not applied: the hand-off was already completed" in (stored.detail or "")


@pytest.mark.parametrize("closing", ["fail", "cancel"])
async def test_failing_or_cancelling_keeps_the_reason_and_nothing_moves_it_on(
    sessions: async_sessionmaker[AsyncSession], closing: str
) -> None:
    book = HandOffBook(sessions)
    handoff = (await open_one(book)).handoff
    closed = await getattr(book, closing)(handoff.id, "EU warehouse out of MUG-1")
    status = {"fail": "failed", "cancel": "cancelled"}[closing]
    assert closed.applied and closed.status == status and closed.handoff.detail == "EU warehouse out of MUG-1"
    after = await book.complete(handoff.id, Tracking("DHL", ("JD1",)))
    assert not after.applied and after.status == status and after.handoff.tracking == Tracking()


async def test_a_change_to_a_hand_off_never_opened_is_refused_naming_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    book = HandOffBook(sessions)
    with pytest.raises(UnknownHandOff, match="no hand-off 00000000-0000-0000-0000-000000000000"):
        await book.complete("00000000-0000-0000-0000-000000000000", Tracking())


async def test_the_linked_order_is_recorded_once_and_finds_its_hand_off(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    book = HandOffBook(sessions)
    handoff = (await open_one(book, mode="linked_order")).handoff
    linked = await book.record_linked_order(handoff.id, "gid://shopify/Order/9100", "#EU9100")
    assert linked.applied and linked.handoff.linked_order_name == "#EU9100"
    same = await book.record_linked_order(handoff.id, "gid://shopify/Order/9100", "#EU9100")
    other = await book.record_linked_order(handoff.id, "gid://shopify/Order/9200", "#EU9200")
    assert (
        not same.applied and not other.applied and other.handoff.linked_order_id == "gid://shopify/Order/9100"
    )
    assert other.handoff.detail is not None and "#EU9100" in other.handoff.detail
    found = await book.by_linked_order(EU, "gid://shopify/Order/9100")
    assert found is not None and found.id == handoff.id
    assert await book.by_linked_order(US, "gid://shopify/Order/9100") is None  # of the fulfilling store only


async def test_the_list_is_newest_first_within_the_stores_asked_and_by_status(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    at = [NOW]
    book = HandOffBook(sessions, clock=lambda: at[0])
    ids = []
    for minute, (key, origin) in enumerate([("a:0", US), ("b:0", US), ("c:0", EU), ("d:0", US)]):
        at[0] = NOW + timedelta(minutes=minute)
        ids.append((await open_one(book, key, order=str(5000 + minute), origin=origin)).handoff.id)
    await book.fail(ids[1], "no stock")
    assert [h.id for h in await book.list([US])] == [ids[3], ids[1], ids[0]]
    assert [h.id for h in await book.list([US], "open")] == [ids[3], ids[0]]
    assert [h.id for h in await book.list([US, EU], "open", limit=2)] == [ids[3], ids[2]]
    assert [h.id for h in await book.list([US], "failed")] == [ids[1]]


async def test_opening_completing_failing_and_cancelling_are_told_as_events_in_the_same_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    outbox = EventOutbox(sessions)
    book = HandOffBook(sessions, events=outbox)
    first = (await open_one(book, "e:0")).handoff
    await open_one(book, "e:0")  # a retry tells nothing new
    second = (await open_one(book, "f:0", order="5002")).handoff
    await book.complete(first.id, Tracking("UPS", ("1Z9",)))
    await book.fail(second.id, "refused")
    await book.fail(second.id, "refused again")  # not applied: nothing to tell
    # The origin's order is cancelled: a coordination service shipping it must stop.
    third = (await open_one(book, "g:0", order="5003")).handoff
    await book.cancel(third.id, "the origin's order was cancelled")
    events = await outbox.undelivered()
    told = [(e.type, e.payload["handoff"]["id"], e.payload["handoff"]["status"]) for e in events]
    assert sorted(told) == sorted(
        [
            ("handoff.created", first.id, "open"),
            ("handoff.created", second.id, "open"),
            ("handoff.completed", first.id, "completed"),
            ("handoff.failed", second.id, "failed"),
            ("handoff.created", third.id, "open"),
            ("handoff.cancelled", third.id, "cancelled"),
        ]
    )
    completed = next(e for e in events if e.type == "handoff.completed")
    assert completed.payload["handoff"]["tracking"] == {"company": "UPS", "numbers": ["1Z9"], "urls": []}


async def test_a_change_made_in_the_callers_transaction_rolls_back_with_it_and_its_event_too(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    outbox = EventOutbox(sessions)
    book = HandOffBook(sessions, events=outbox)
    handoff = (await open_one(book)).handoff
    before = len(await outbox.undelivered())
    async with sessions() as session:
        await session.begin()
        inside = await book.complete(handoff.id, Tracking("DHL", ("X",)), session=session)
        assert inside.applied
        await session.rollback()
    stored = await book.get(handoff.id)
    assert stored is not None and stored.status == "open"
    assert len(await outbox.undelivered()) == before
