"""The purchase-order book keeps every X12 document in and out: resent copies, documents that failed
their checks, replies under their own numbers; and its migration."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect

from adapters.store.purchase_orders import PurchaseOrderBook
from tests.store.purchase_order_world import (
    T0,
    Sessions,
    sent_po,
)


async def test_an_inbound_interchange_is_kept_and_its_resent_copy_is_kept_as_a_duplicate(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions, clock=lambda: T0)
    po = await sent_po(book)
    assert await book.record_inbound("acme", 501, "855", "ISA*855~", po.po_number) == "new"
    assert await book.record_inbound("acme", 501, "855", "ISA*855~", po.po_number) == "duplicate"
    assert await book.record_inbound("globex", 501, "855", "ISA*855~") == "new"  # another partner's
    inbound = [document for document in await book.documents(po.id) if document.direction == "in"]
    assert [(d.outcome, d.interchange_control) for d in inbound] == [("accepted", 501), ("duplicate", None)]
    assert inbound[1].detail == f"interchange 501 was received before, as document {inbound[0].id}"


async def test_a_document_that_failed_its_checks_or_could_not_be_read_is_kept(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions)
    po = await sent_po(book)
    checked = await book.record_inbound(
        "acme", 502, "855", "ISA*bad~", po.po_number, outcome="rejected", detail="BAK02 ZZ not allowed"
    )
    unreadable = await book.record_inbound("acme", None, None, "garbage", outcome="unreadable")
    again = await book.record_inbound("acme", None, None, "garbage", outcome="unreadable")
    assert (checked, unreadable, again) == ("new", "new", "new")  # without a number, nothing is a copy
    [rejected] = [document for document in await book.documents(po.id) if document.direction == "in"]
    assert rejected.outcome == "rejected" and rejected.detail == "BAK02 ZZ not allowed"


async def test_a_document_naming_an_unknown_po_says_so(sessions: Sessions) -> None:
    book = PurchaseOrderBook(sessions)
    assert await book.record_inbound("acme", 9, "856", "ISA*856~", "4242") == "new"
    assert await book.by_number("acme", "4242") is None


async def test_outbound_replies_are_kept_under_their_own_numbers(
    sessions: Sessions,
) -> None:
    book = PurchaseOrderBook(sessions, clock=lambda: T0 + timedelta(minutes=5))
    po = await sent_po(book)
    numbers = await book.next_control_numbers("acme")
    await book.record_outbound(
        "acme", set_code="997", interchange_control=numbers.interchange, raw="ISA*997~", po_id=po.id
    )
    assert [(d.set_code, d.interchange_control) for d in await book.documents(po.id)] == [
        ("850", 1),
        ("997", 2),
    ]


async def test_the_migration_creates_the_four_tables(sessions: Sessions) -> None:
    async with sessions() as session:
        connection = await session.connection()
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"purchase_orders", "purchase_order_lines", "edi_documents", "edi_counters"} <= tables
