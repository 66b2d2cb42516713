"""The sweeper hands overdue purchase orders and unsent drafts to their callbacks, round after
round, from the state in SQL: it survives failing callbacks, a database that is away, and restarts."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store import create_engine, migrate, session_factory
from adapters.store.purchase_orders import NewPurchaseOrderLine, PurchaseOrderBook, PurchaseOrderRecord
from adapters.vendors import Sweeper

Sessions = async_sessionmaker[AsyncSession]
T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
WINDOW = timedelta(hours=4)


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Callbacks:
    """What a service would do: time the PO out after rerouting it, send a draft and mark it sent."""

    def __init__(self, book: PurchaseOrderBook, clock: FakeClock, *, failing: set[str] | None = None) -> None:
        self.book, self.clock, self.failing = book, clock, failing or set()
        self.overdue: list[str] = []
        self.unsent: list[str] = []

    async def on_overdue(self, po: PurchaseOrderRecord) -> None:
        self.overdue.append(po.po_number)
        if po.po_number in self.failing:
            raise RuntimeError(f"Shopify is away; PO {po.po_number} stays overdue")
        await self.book.time_out(po.id, self.clock())

    async def on_unsent(self, po: PurchaseOrderRecord) -> None:
        self.unsent.append(po.po_number)
        await self.book.mark_sent(
            po.id, sent_at=self.clock(), ack_due_at=self.clock() + WINDOW, raw_850="ISA~"
        )


async def open_po(book: PurchaseOrderBook, order: int) -> PurchaseOrderRecord:
    return await book.open_purchase_order(
        store="north-wind-us.myshopify.com",
        vendor_id="acme",
        order_id=f"gid://shopify/Order/{order}",
        order_name=f"#{1000 + order}",
        fulfillment_order_id=f"gid://shopify/FulfillmentOrder/{order}",
        location_id="gid://shopify/Location/9001",
        lines=(
            NewPurchaseOrderLine("gid://shopify/FulfillmentOrderLineItem/1", "NW-TENT-2P", "ACM-77120", 1),
        ),
    )


async def sent_po(book: PurchaseOrderBook, order: int, clock: FakeClock) -> PurchaseOrderRecord:
    po = await open_po(book, order)
    await book.mark_sent(po.id, sent_at=clock(), ack_due_at=clock() + WINDOW, raw_850="ISA~")
    return po


def sweeper(book: PurchaseOrderBook, callbacks: Callbacks, clock: FakeClock) -> Sweeper:
    return Sweeper(
        book,
        on_overdue=callbacks.on_overdue,
        on_unsent=callbacks.on_unsent,
        every_seconds=30,
        clock=clock,
        unsent_grace_seconds=60,
    )


async def test_a_po_is_handed_over_once_its_window_has_closed_and_not_again_once_timed_out(
    sessions: Sessions,
) -> None:
    clock = FakeClock(T0)
    book = PurchaseOrderBook(sessions, clock=clock)
    callbacks = Callbacks(book, clock)
    await sent_po(book, 1, clock)
    sweep = sweeper(book, callbacks, clock)
    clock.now = T0 + WINDOW - timedelta(seconds=1)
    assert (await sweep.sweep()).overdue == 0
    clock.now = T0 + WINDOW
    assert (await sweep.sweep()).overdue == 1
    assert (await sweep.sweep()).overdue == 0
    assert callbacks.overdue == ["1"]
    [po] = await book.for_order("north-wind-us.myshopify.com", "gid://shopify/Order/1")
    assert po.status == "timed_out"


async def test_a_failing_callback_is_logged_and_its_po_offered_again_while_the_others_go_on(
    sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(T0)
    book = PurchaseOrderBook(sessions, clock=clock)
    callbacks = Callbacks(book, clock, failing={"1"})
    await sent_po(book, 1, clock)
    await sent_po(book, 2, clock)
    clock.now = T0 + WINDOW
    sweep = sweeper(book, callbacks, clock)
    with caplog.at_level(logging.ERROR, logger="adapters.vendors.sweeper"):
        first = await sweep.sweep()
    assert (first.overdue, first.failed) == (2, 1)
    assert "the overdue PO 1 of acme (order #1001) failed; it is offered again next round" in caplog.text
    callbacks.failing.clear()
    assert (await sweep.sweep()).failed == 0
    assert sorted(callbacks.overdue[:2]) == ["1", "2"] and callbacks.overdue[2:] == ["1"]


async def test_a_draft_whose_send_failed_is_sent_again_after_the_grace_period(sessions: Sessions) -> None:
    clock = FakeClock(T0)
    book = PurchaseOrderBook(sessions, clock=clock)
    callbacks = Callbacks(book, clock)
    await open_po(book, 1)
    sweep = sweeper(book, callbacks, clock)
    clock.now = T0 + timedelta(seconds=30)  # still being sent by whoever opened it
    assert (await sweep.sweep()).unsent == 0
    clock.now = T0 + timedelta(seconds=60)
    assert (await sweep.sweep()).unsent == 1
    assert (await sweep.sweep()).unsent == 0
    [po] = await book.for_order("north-wind-us.myshopify.com", "gid://shopify/Order/1")
    assert po.status == "sent" and callbacks.unsent == ["1"]


async def test_the_loop_sweeps_every_period_until_stopped_and_survives_a_database_not_there_yet(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(database_url)
    try:
        clock = FakeClock(T0)
        book = PurchaseOrderBook(session_factory(engine), clock=clock)
        callbacks = Callbacks(book, clock)
        pauses: list[float] = []

        async def sleep(seconds: float) -> None:
            pauses.append(seconds)
            clock.now += timedelta(seconds=seconds)
            if len(pauses) == 2:  # the tables arrive, and a PO is already overdue
                await migrate(engine)
                await sent_po(book, 1, FakeClock(T0 - WINDOW))
            if len(pauses) == 4:
                sweep.stop()

        sweep = Sweeper(
            book,
            on_overdue=callbacks.on_overdue,
            on_unsent=callbacks.on_unsent,
            every_seconds=30,
            clock=clock,
            sleep=sleep,
        )
        with caplog.at_level(logging.ERROR, logger="adapters.vendors.sweeper"):
            await sweep.run()
        assert pauses == [30, 30, 30, 30]
        assert caplog.text.count("EDI sweep failed; trying again in 30 s") == 2
        assert callbacks.overdue == ["1"]
    finally:
        await engine.dispose()


async def test_stop_ends_a_pause_at_once(sessions: Sessions) -> None:
    clock = FakeClock(T0)
    book = PurchaseOrderBook(sessions, clock=clock)
    callbacks = Callbacks(book, clock)
    sweep = Sweeper(
        book, on_overdue=callbacks.on_overdue, on_unsent=callbacks.on_unsent, every_seconds=3600, clock=clock
    )
    running = asyncio.create_task(sweep.run())
    await asyncio.sleep(0.2)  # the first round is done; the loop now pauses for an hour
    sweep.stop()
    await asyncio.wait_for(running, timeout=5)
    assert running.done() and running.exception() is None


async def test_a_restart_in_the_middle_of_the_window_changes_nothing(database_url: str) -> None:
    """The PO was sent by one process; another, started later, finds it overdue from SQL alone."""
    clock = FakeClock(T0)
    engine = create_engine(database_url)
    await migrate(engine)
    await sent_po(PurchaseOrderBook(session_factory(engine), clock=clock), 1, clock)
    await engine.dispose()
    engine = create_engine(database_url)
    try:
        book = PurchaseOrderBook(session_factory(engine), clock=clock)
        callbacks = Callbacks(book, clock)
        clock.now = T0 + WINDOW
        assert (await sweeper(book, callbacks, clock).sweep()).overdue == 1
        assert callbacks.overdue == ["1"]
    finally:
        await engine.dispose()
