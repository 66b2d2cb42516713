"""The purchase-order book keeps drop-ship POs, their numbers and lines in SQL, and lets their status
move only forward."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.store import create_engine, migrate, session_factory
from adapters.store.edi_records import (
    LineAnswer,
    NewPurchaseOrderLine,
    UnknownPurchaseOrder,
)
from adapters.store.purchase_orders import PurchaseOrderBook
from tests.store.purchase_order_world import (
    ACME_LOCATION,
    FO,
    ORDER,
    SHOP,
    T0,
    Sessions,
    open_po,
    sent_po,
)


async def test_a_purchase_order_opens_as_a_draft_with_numbered_lines_and_its_numbers(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions, clock=lambda: T0)
    po = await open_po(book, decision="d-1")
    assert po.status == "draft" and po.po_number == "1" and po.decision_id == "d-1"
    assert (po.control.interchange, po.control.group, po.control.transaction) == (1, 1, 1)
    assert po.created_at == T0 and po.sent_at is None and po.ack_due_at is None
    assert [(line.line_number, line.vendor_item, line.quantity, line.status) for line in po.lines] == [
        (1, "ACM-77120", 2, "pending"),
        (2, "ACM-30544", 1, "pending"),
    ]
    assert await book.get(po.id) == po


async def test_numbers_increase_per_vendor_and_each_vendor_counts_on_its_own(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    acme = [await open_po(book, vendor="acme") for _ in range(3)]
    globex = await open_po(book, vendor="globex")
    assert [po.po_number for po in acme] == ["1", "2", "3"]
    assert [po.control.interchange for po in acme] == [1, 2, 3]
    assert globex.po_number == "1" and globex.control.interchange == 1
    reply = await book.next_control_numbers("acme")  # a 997 or an 860 takes numbers too
    assert reply.interchange == 4
    assert (await open_po(book)).control.interchange == 5


async def test_the_same_decision_opens_one_purchase_order_and_burns_no_number(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    first = await open_po(book, decision="d-1")
    assert await open_po(book, decision="d-1") == first
    assert (await open_po(book, decision="d-2")).po_number == "2"


async def test_concurrent_openings_never_share_a_number(sessions: Sessions) -> None:
    book = PurchaseOrderBook(sessions)
    opened = await asyncio.gather(*(open_po(book, order=f"gid://shopify/Order/{n}") for n in range(8)))
    assert sorted(int(po.po_number) for po in opened) == list(range(1, 9))
    assert sorted(po.control.interchange for po in opened) == list(range(1, 9))
    assert len({po.control.group for po in opened}) == len({po.control.transaction for po in opened}) == 8


async def test_two_engines_on_one_database_never_share_a_number(database_url: str) -> None:
    """Two replicas of the service (two engines, two pools) open POs for one vendor at once."""
    engines = [create_engine(database_url), create_engine(database_url)]
    try:
        await migrate(engines[0])
        books = [PurchaseOrderBook(session_factory(engine)) for engine in engines]
        opened = await asyncio.gather(
            *(open_po(books[n % 2], order=f"gid://shopify/Order/{n}") for n in range(10))
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sorted(int(po.po_number) for po in opened) == list(range(1, 11))
    assert sorted(po.control.interchange for po in opened) == list(range(1, 11))


async def test_numbers_keep_increasing_after_a_restart(database_url: str) -> None:
    engine = create_engine(database_url)
    await migrate(engine)
    before = await open_po(PurchaseOrderBook(session_factory(engine)))
    await engine.dispose()
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        book = PurchaseOrderBook(session_factory(engine))
        after = await open_po(book)
        assert await book.get(before.id) == before
    finally:
        await engine.dispose()
    assert int(after.po_number) > int(before.po_number)
    assert after.control.interchange > before.control.interchange


async def test_a_purchase_order_needs_lines_with_a_quantity(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    with pytest.raises(ValueError, match="no lines; give at least one"):
        await book.open_purchase_order(
            store=SHOP,
            vendor_id="acme",
            order_id=ORDER,
            order_name="#1001",
            fulfillment_order_id=FO,
            location_id=ACME_LOCATION,
            lines=(),
        )
    with pytest.raises(ValueError, match=r"\['NW-TENT-2P'\] have no positive quantity"):
        await book.open_purchase_order(
            store=SHOP,
            vendor_id="acme",
            order_id=ORDER,
            order_name="#1001",
            fulfillment_order_id=FO,
            location_id=ACME_LOCATION,
            lines=(NewPurchaseOrderLine("gid://shopify/FulfillmentOrderLineItem/1", "NW-TENT-2P", "x", 0),),
        )


async def test_sending_keeps_the_850_and_starts_the_window(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    po = await sent_po(book)
    assert po.status == "sent" and po.sent_at == T0 and po.ack_due_at == T0 + timedelta(hours=4)
    [document] = await book.documents(po.id)
    assert (document.direction, document.set_code, document.interchange_control) == ("out", "850", 1)
    assert document.raw == "ISA*…*1~" and document.at == T0
    again = await book.mark_sent(po.id, sent_at=T0, ack_due_at=T0, raw_850="ISA*…*1~")
    assert not again.applied and again.status == "sent"
    assert len(await book.documents(po.id)) == 1


async def test_drafts_whose_send_failed_are_offered_for_a_retry(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions, clock=lambda: T0)
    draft = await open_po(book, order="gid://shopify/Order/1")
    await sent_po(book)
    assert [po.id for po in await book.unsent()] == [draft.id]
    assert await book.unsent(created_before=T0 - timedelta(seconds=1)) == []


async def test_the_vendors_997_acknowledges_a_sent_purchase_order(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    po = await sent_po(book)
    moved = await book.record_acknowledgment(po.id, T0 + timedelta(minutes=1))
    assert moved.applied and (moved.previous, moved.status) == ("sent", "acknowledged")
    again = await book.record_acknowledgment(po.id, T0 + timedelta(minutes=2))
    assert not again.applied
    found = await book.get(po.id)
    assert found is not None and found.acknowledged_at == T0 + timedelta(minutes=1)


async def test_an_855_acceptance_accepts_every_line_in_full(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    po = await sent_po(book)
    answered = await book.record_answer(po.id, "accepted", at=T0 + timedelta(hours=1))
    assert answered.applied and answered.status == "accepted"
    found = await book.get(po.id)
    assert found is not None and found.answered_at == T0 + timedelta(hours=1) and found.closed_at is None
    assert [(line.status, line.accepted_quantity) for line in found.lines] == [
        ("accepted", 2),
        ("accepted", 1),
    ]


async def test_a_partial_855_refuses_the_lines_it_names_and_accepts_the_rest(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    po = await sent_po(book)
    refused = LineAnswer(2, "refused", code="IR", reason="discontinued")
    fewer = LineAnswer(1, "accepted", accepted_quantity=1, code="IQ")
    await book.record_answer(po.id, "partially_accepted", [refused, fewer], at=T0 + timedelta(hours=1))
    found = await book.get(po.id)
    assert found is not None and found.status == "partially_accepted"
    assert [(line.status, line.accepted_quantity, line.code, line.reason) for line in found.lines] == [
        ("accepted", 1, "IQ", None),
        ("refused", 0, "IR", "discontinued"),
    ]


async def test_a_rejection_refuses_every_line_and_closes_the_purchase_order(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    po = await sent_po(book)
    await book.record_answer(po.id, "rejected", at=T0 + timedelta(hours=1), detail="BAK02 RJ")
    found = await book.get(po.id)
    assert found is not None and found.status == "rejected" and found.closed_at == T0 + timedelta(hours=1)
    assert {line.status for line in found.lines} == {"refused"} and found.detail == "BAK02 RJ"


async def test_an_855_naming_a_line_the_po_does_not_have_is_refused_with_the_lines_it_has(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    po = await sent_po(book)
    with pytest.raises(ValueError, match=r"has no line\(s\) \[7\]; its lines are \[1, 2\]"):
        await book.record_answer(po.id, "partially_accepted", [LineAnswer(7, "refused")], at=T0)
    found = await book.get(po.id)
    assert found is not None and found.status == "sent"


async def test_an_855_after_the_time_out_is_noted_but_does_not_resurrect_the_po(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    po = await sent_po(book)
    timed_out = await book.time_out(po.id, T0 + timedelta(hours=4))
    assert timed_out.applied and timed_out.status == "timed_out"
    late = await book.record_answer(po.id, "accepted", at=T0 + timedelta(hours=5))
    assert not late.applied and (late.previous, late.status) == ("timed_out", "timed_out")
    found = await book.get(po.id)
    assert found is not None and found.status == "timed_out" and found.answered_at is None
    assert {line.status for line in found.lines} == {"pending"}
    assert (
        found.detail
        == "2026-11-28 15:00 UTC: 855 accepted not applied: the purchase order was already timed_out"
    )
    assert not (await book.time_out(po.id, T0 + timedelta(hours=6))).applied


async def test_overdue_lists_the_pos_awaiting_an_answer_past_their_deadline_oldest_first(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    later = await sent_po(book, due=T0 + timedelta(hours=2))
    earlier = await sent_po(book, due=T0 + timedelta(hours=1))
    answered = await sent_po(book, due=T0 + timedelta(hours=1))
    await book.record_answer(answered.id, "accepted", at=T0)
    await book.record_acknowledgment(later.id, T0)
    await open_po(book)  # a draft has no deadline yet
    now = T0 + timedelta(hours=2)
    assert [po.id for po in await book.overdue(now)] == [earlier.id, later.id]
    assert [po.id for po in await book.overdue(now, limit=1)] == [earlier.id]
    assert await book.overdue(T0) == []


async def test_an_856_ships_the_lines_not_refused(sessions: Sessions) -> None:
    book = PurchaseOrderBook(sessions)
    po = await sent_po(book)
    await book.record_answer(po.id, "partially_accepted", [LineAnswer(2, "refused")], at=T0)
    shipped = await book.mark_shipped(po.id, T0 + timedelta(days=1))
    assert shipped.applied and shipped.previous == "partially_accepted"
    found = await book.get(po.id)
    assert found is not None and found.status == "shipped" and found.shipped_at == T0 + timedelta(days=1)
    assert [line.status for line in found.lines] == ["shipped", "refused"]


async def test_a_second_856_ships_more_lines_and_keeps_the_first_ship_date(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    po = await sent_po(book)
    await book.mark_shipped(po.id, T0 + timedelta(days=1), line_numbers=[1])
    found = await book.get(po.id)
    assert found is not None and [line.status for line in found.lines] == ["shipped", "pending"]
    assert (await book.mark_shipped(po.id, T0 + timedelta(days=2), line_numbers=[2])).applied
    found = await book.get(po.id)
    assert found is not None and [line.status for line in found.lines] == ["shipped", "shipped"]
    assert found.shipped_at == T0 + timedelta(days=1)


async def test_cancelling_says_whether_the_vendor_had_the_po(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    draft = await open_po(book)
    sent = await sent_po(book)
    assert (await book.cancel(draft.id, T0, "order cancelled")).previous == "draft"
    withdrawn = await book.cancel(sent.id, T0, "order cancelled")
    assert withdrawn.applied and withdrawn.previous == "sent"
    found = await book.get(sent.id)
    assert found is not None and found.status == "cancelled" and found.detail == "order cancelled"
    assert not (await book.mark_shipped(sent.id, T0)).applied
    assert not (await book.cancel(sent.id, T0, "again")).applied


async def test_a_status_change_for_an_unknown_po_says_so(sessions: Sessions) -> None:
    with pytest.raises(UnknownPurchaseOrder, match="no purchase order nope"):
        await PurchaseOrderBook(sessions).time_out("nope", T0)


async def test_the_move_to_the_vendor_is_remembered(sessions: Sessions) -> None:
    book = PurchaseOrderBook(sessions)
    po = await open_po(book)
    await book.record_move(po.id, "gid://shopify/FulfillmentOrder/2")
    found = await book.get(po.id)
    assert found is not None and found.vendor_fulfillment_order_id == "gid://shopify/FulfillmentOrder/2"


async def test_an_order_lists_its_pos_with_lines_and_a_vendor_finds_a_po_by_number(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    first, second = await open_po(book), await open_po(book, vendor="globex")
    await open_po(book, order="gid://shopify/Order/2")
    assert [po.id for po in await book.for_order(SHOP, ORDER)] == [first.id, second.id]
    assert all(len(po.lines) == 2 for po in await book.for_order(SHOP, ORDER))
    assert await book.by_number("globex", "1") == second
    assert await book.by_number("globex", "2") is None
