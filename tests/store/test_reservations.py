"""Reservations: a decision's moves hold their units at the target until the move is settled, and a
decision made under the store's allocation lock never takes units another decision holds."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store import DecisionLog
from adapters.store.reservations import Reservations, claims
from engine.decision import Decision, FulfillmentOrderOutcome
from engine.intents import (
    HandOff,
    HoldFulfillmentOrder,
    Intent,
    LineQuantity,
    MoveFulfillmentOrder,
    PurchaseOrderItem,
    SendPurchaseOrder,
)
from engine.model import FulfillmentOrder, FulfillmentOrderLine, Location, Order, Snapshot

SHOP = "north-wind-us.myshopify.com"
NEWARK = "gid://shopify/Location/101"
CHICAGO = "gid://shopify/Location/102"
DALLAS = "gid://shopify/Location/103"
VENDOR = "gid://shopify/Location/900"
JACKET = "gid://shopify/InventoryItem/1001"
SCARF = "gid://shopify/InventoryItem/1002"


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def order_snapshot(n: int = 1, *, at: str = DALLAS, jackets: int = 2, scarves: int = 1) -> Snapshot:
    """Order n: one fulfillment order at `at` with two lines (jackets and scarves)."""
    fo = FulfillmentOrder(
        id=f"gid://shopify/FulfillmentOrder/{n}",
        status="OPEN",
        assigned_location_id=at,
        lines=(
            FulfillmentOrderLine(
                id=f"gid://shopify/FulfillmentOrderLineItem/{n}1",
                inventory_item_id=JACKET,
                remaining_quantity=jackets,
                total_quantity=jackets,
            ),
            FulfillmentOrderLine(
                id=f"gid://shopify/FulfillmentOrderLineItem/{n}2",
                inventory_item_id=SCARF,
                remaining_quantity=scarves,
                total_quantity=scarves,
            ),
        ),
    )
    return Snapshot(
        store=SHOP,
        order=Order(id=f"gid://shopify/Order/{n}", name=f"#{1000 + n}"),
        fulfillment_orders=(fo,),
        locations=tuple(Location(id=loc, name=loc[-3:], store=SHOP) for loc in (NEWARK, CHICAGO, DALLAS)),
        inventory={JACKET: {NEWARK: 10, CHICAGO: 5, DALLAS: 0}, SCARF: {NEWARK: 4, CHICAGO: 0}},
    )


def decision_of(snapshot: Snapshot, *intents: Intent) -> Decision:
    fo = snapshot.fulfillment_orders[0]
    return Decision(
        store=SHOP,
        order_id=snapshot.order.id,
        order_name=snapshot.order.name,
        ruleset_version="v1",
        outcome="routed",
        fulfillment_orders=(FulfillmentOrderOutcome(fulfillment_order_id=fo.id, action="move"),),
        intents=intents,
        trace=(),
    )


def move(snapshot: Snapshot, to: str, *lines: tuple[int, int]) -> MoveFulfillmentOrder:
    """A move of the snapshot's fulfillment order; `lines` as (line index, quantity), none = whole."""
    fo = snapshot.fulfillment_orders[0]
    return MoveFulfillmentOrder(
        fulfillment_order_id=fo.id,
        from_location_id=fo.assigned_location_id,
        to_location_id=to,
        lines=tuple(LineQuantity(id=fo.lines[index].id, quantity=quantity) for index, quantity in lines),
    )


async def decide_and_reserve(
    reservations: Reservations, log: DecisionLog, snapshot: Snapshot, *intents: Intent
) -> str:
    """Record a decision with its reservations in one allocation, as processing does."""
    decision = decision_of(snapshot, *intents)
    async with reservations.allocating(SHOP) as allocation:
        decision_id = await log.record(
            decision,
            snapshot,
            fingerprint=f"f-{snapshot.order.id}",
            delivery_id=None,
            session=allocation.session,
        )
        assert decision_id is not None
        await allocation.reserve(decision_id, decision, snapshot)
    return decision_id


async def test_a_whole_move_holds_every_line_at_its_target_until_it_is_settled(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reservations, log = Reservations(sessions), DecisionLog(sessions)
    snapshot = order_snapshot(jackets=2, scarves=1)
    decision_id = await decide_and_reserve(reservations, log, snapshot, move(snapshot, NEWARK))
    assert await reservations.held(SHOP, [JACKET, SCARF]) == {JACKET: {NEWARK: 2}, SCARF: {NEWARK: 1}}
    assert await reservations.release_for_intent(f"{decision_id}:0") == 2
    assert await reservations.held(SHOP, [JACKET, SCARF]) == {}
    assert await reservations.release_for_intent(f"{decision_id}:0") == 0, "a release happens once"


async def test_a_partial_move_holds_only_the_lines_it_moves(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reservations, log = Reservations(sessions), DecisionLog(sessions)
    snapshot = order_snapshot(jackets=3)
    await decide_and_reserve(reservations, log, snapshot, move(snapshot, CHICAGO, (0, 2)))
    assert await reservations.held(SHOP, [JACKET, SCARF]) == {JACKET: {CHICAGO: 2}}


def test_holds_and_moves_to_where_the_order_already_is_claim_nothing() -> None:
    snapshot = order_snapshot(at=NEWARK)
    fo = snapshot.fulfillment_orders[0]
    hold = HoldFulfillmentOrder(fulfillment_order_id=fo.id, reason="OTHER", notes="", handle="h")
    assert claims(decision_of(snapshot, move(snapshot, NEWARK), hold), snapshot) == []


async def test_a_purchase_order_holds_its_lines_at_the_vendors_location(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reservations, log = Reservations(sessions), DecisionLog(sessions)
    snapshot = order_snapshot(jackets=2)
    fo = snapshot.fulfillment_orders[0]
    buy = SendPurchaseOrder(
        fulfillment_order_id=fo.id,
        from_location_id=DALLAS,
        vendor_id="acme",
        vendor_name="Acme",
        to_location_id=VENDOR,
        whole=False,
        lines=(PurchaseOrderItem(id=fo.lines[0].id, sku="JACKET", quantity=2),),
        acceptance_minutes=240,
        handle="routing-engine.awaiting-vendor",
    )
    decision_id = await decide_and_reserve(reservations, log, snapshot, buy)
    assert await reservations.held(SHOP, [JACKET]) == {JACKET: {VENDOR: 2}}
    assert await reservations.release_for_decision(decision_id) == 1
    assert await reservations.held(SHOP, [JACKET]) == {}


async def test_a_hand_off_holds_its_lines_at_the_stand_in(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Until the other store's linked order takes the units there, the stand-in's are reserved."""
    reservations, log = Reservations(sessions), DecisionLog(sessions)
    snapshot = order_snapshot(jackets=2)
    fo = snapshot.fulfillment_orders[0]
    handoff = HandOff(
        fulfillment_order_id=fo.id,
        from_location_id=DALLAS,
        stand_in_location_id=VENDOR,
        fulfilling_store="north-wind-ca.myshopify.com",
        fulfilling_location_id="gid://shopify/Location/203",
        fulfilling_location_name="Toronto DC",
        whole=False,
        lines=(PurchaseOrderItem(id=fo.lines[0].id, sku="JACKET", quantity=2),),
        handle="routing-engine.handed-off",
    )
    decision_id = await decide_and_reserve(reservations, log, snapshot, handoff)
    assert await reservations.held(SHOP, [JACKET]) == {JACKET: {VENDOR: 2}}
    assert await reservations.release_for_decision(decision_id) == 1


async def test_an_order_is_not_held_to_its_own_reservations(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reservations, log = Reservations(sessions), DecisionLog(sessions)
    first, second = order_snapshot(1), order_snapshot(2, jackets=1, scarves=0)
    await decide_and_reserve(reservations, log, first, move(first, NEWARK))
    await decide_and_reserve(reservations, log, second, move(second, NEWARK))
    assert await reservations.held(SHOP, [JACKET], besides_order=first.order.id) == {JACKET: {NEWARK: 1}}
    async with reservations.allocating(SHOP) as allocation:
        seen = await allocation.lowered(first, read_at=None)
    assert seen.inventory[JACKET] == {NEWARK: 9, CHICAGO: 5, DALLAS: 0}, "only order 2's jacket is held"
    assert seen.inventory[SCARF] == {NEWARK: 4, CHICAGO: 0}


async def test_a_release_after_the_snapshot_was_read_still_counts_for_that_snapshot(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Shopify's figures read before the move landed do not show it: the units still count."""
    clock = Clock()
    reservations = Reservations(sessions, clock=clock, clock_skew=timedelta(seconds=2))
    log = DecisionLog(sessions, clock=clock)
    snapshot = order_snapshot()
    decision_id = await decide_and_reserve(reservations, log, snapshot, move(snapshot, NEWARK))
    read_before = clock()
    clock.advance(seconds=10)
    await reservations.release_for_intent(f"{decision_id}:0")
    clock.advance(seconds=10)
    read_after = clock()
    assert await reservations.held(SHOP, [JACKET], read_at=read_before) == {JACKET: {NEWARK: 2}}
    assert await reservations.held(SHOP, [JACKET], read_at=read_after) == {}
    assert await reservations.held(SHOP, [JACKET]) == {}


async def test_a_release_by_this_process_before_the_read_needs_no_allowance_for_clock_skew(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Another replica's clock may be a little off; this process's own release is exactly ordered."""
    clock = Clock()
    here = Reservations(sessions, clock=clock, clock_skew=timedelta(seconds=2))
    another_replica = Reservations(sessions, clock=clock, clock_skew=timedelta(seconds=2))
    log = DecisionLog(sessions, clock=clock)
    snapshot = order_snapshot()
    decision_id = await decide_and_reserve(here, log, snapshot, move(snapshot, NEWARK))
    await here.release_for_intent(f"{decision_id}:0")
    clock.advance(seconds=1)
    read_a_second_later = clock()
    assert await here.held(SHOP, [JACKET], read_at=read_a_second_later) == {}
    assert await another_replica.held(SHOP, [JACKET], read_at=read_a_second_later) == {JACKET: {NEWARK: 2}}, (
        "released within the skew by a clock it does not share: still counted"
    )


async def test_a_reservation_left_by_a_crash_stops_counting_after_its_time_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    clock = Clock()
    reservations = Reservations(sessions, clock=clock, stale_after=timedelta(minutes=10))
    snapshot = order_snapshot()
    await decide_and_reserve(
        reservations, DecisionLog(sessions, clock=clock), snapshot, move(snapshot, NEWARK)
    )
    clock.advance(minutes=9)
    assert await reservations.release_stale() == 0
    assert await reservations.held(SHOP, [JACKET]) == {JACKET: {NEWARK: 2}}
    clock.advance(minutes=2)
    assert await reservations.held(SHOP, [JACKET]) == {}, "a stale reservation no longer counts"
    assert await reservations.release_stale() == 2, "and the sweep marks both lines released"


async def test_a_conflicting_decision_inside_an_allocation_rolls_back_only_itself(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reservations, log = Reservations(sessions), DecisionLog(sessions)
    snapshot = order_snapshot()
    decision = decision_of(snapshot, move(snapshot, NEWARK))
    async with reservations.allocating(SHOP) as allocation:
        first = await log.record(
            decision, snapshot, fingerprint="f", delivery_id=None, session=allocation.session
        )
        assert first is not None
        await allocation.reserve(first, decision, snapshot)
        again = await log.record(
            decision, snapshot, fingerprint="f", delivery_id=None, session=allocation.session
        )
        assert again is None, "the same order state is recorded once"
    assert await log.get(first) is not None
    assert await reservations.held(SHOP, [JACKET]) == {JACKET: {NEWARK: 2}}


async def test_concurrent_allocations_never_reserve_more_than_the_stock(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Forty orders of one jacket each, decided by eight tasks at once, against 7 jackets in two
    locations: exactly 7 are reserved, never more, however the tasks interleave."""
    reservations, log = Reservations(sessions), DecisionLog(sessions)
    stock = {NEWARK: 4, CHICAGO: 3}
    orders = [order_snapshot(n, jackets=1, scarves=0) for n in range(1, 41)]
    queue: asyncio.Queue[Snapshot] = asyncio.Queue()
    for snapshot in orders:
        queue.put_nowait(snapshot)
    placed: list[str] = []

    async def worker() -> None:
        while not queue.empty():
            snapshot = queue.get_nowait()
            snapshot = snapshot.model_copy(update={"inventory": {JACKET: dict(stock)}})
            async with reservations.allocating(SHOP) as allocation:
                seen = await allocation.lowered(snapshot, read_at=None)
                await asyncio.sleep(random.random() / 1000)  # invite another task in, if it could
                target = next((loc for loc, units in seen.inventory[JACKET].items() if units >= 1), None)
                if target is None:
                    continue
                decision = decision_of(snapshot, move(snapshot, target))
                decision_id = await log.record(
                    decision,
                    snapshot,
                    fingerprint=snapshot.order.id,
                    delivery_id=None,
                    session=allocation.session,
                )
                assert decision_id is not None
                await allocation.reserve(decision_id, decision, snapshot)
                placed.append(target)

    await asyncio.gather(*(worker() for _ in range(8)))
    held = await reservations.held(SHOP, [JACKET])
    assert held == {JACKET: stock}, "every unit is reserved once"
    assert sorted(placed) == sorted([NEWARK] * 4 + [CHICAGO] * 3)


async def test_a_failure_inside_an_allocation_records_neither_the_decision_nor_its_reservations(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reservations, log = Reservations(sessions), DecisionLog(sessions)
    snapshot = order_snapshot()
    decision = decision_of(snapshot, move(snapshot, NEWARK))
    recorded: list[str] = []
    try:
        async with reservations.allocating(SHOP) as allocation:
            decision_id = await log.record(
                decision, snapshot, fingerprint="f", delivery_id=None, session=allocation.session
            )
            assert decision_id is not None
            recorded.append(decision_id)
            await allocation.reserve(decision_id, decision, snapshot)
            raise RuntimeError("the worker stops here")
    except RuntimeError:
        pass
    assert await log.get(recorded[0]) is None
    assert await reservations.held(SHOP, [JACKET]) == {}
    async with reservations.allocating(SHOP) as allocation:  # and the lock was given back
        assert await allocation.held([JACKET]) == {}
