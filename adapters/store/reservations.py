"""Reservations: units our decisions sent to a location that Shopify's figures may not show yet.

Between a decision and Shopify's own bookkeeping, two orders could read the same `available`
units and both take them. So every move a decision asks for (`MoveFulfillmentOrder`, and the
move to a vendor's location of `SendPurchaseOrder`) reserves its units at the target location,
in the decision's own transaction, and the next decisions see `available` lowered by what other
orders hold.

A reservation is released when its intent is settled: a `fulfillmentOrderMove` that landed makes
Shopify commit the units at the new location at once, and one that failed or no longer applies
took nothing. A reservation released after a snapshot was read still counts for that snapshot
(its figures were read before Shopify counted the move). A reservation left behind by a crash
stops counting after `stale_after`, and `release_stale` marks it released.

Reading what is held and recording the decision with its reservations happen under one lock per
store (`allocating`): on PostgreSQL a transaction-scoped advisory lock, on SQLite a write
transaction taken up front (`BEGIN IMMEDIATE`), so no other decision of the store reads and
reserves in between, in this process or another.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Collection, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from adapters.store.clock import Clock, as_utc, utc_now
from adapters.store.tables import ReservationRow
from engine.decision import Decision
from engine.intents import HandOff, Intent, MoveFulfillmentOrder, SendPurchaseOrder
from engine.model import Snapshot

Held = dict[str, dict[str, int]]  # {inventory item id: {location id: units held}}


@dataclass(frozen=True, slots=True)
class Claim:
    """Units one intent of a decision takes at its target location."""

    position: int  # of the intent in the decision; its idempotency key is `<decision id>:<position>`
    location_id: str
    inventory_item_id: str
    quantity: int


def claims(decision: Decision, snapshot: Snapshot) -> list[Claim]:
    """The units each move of `decision` sends to its target (whole: every line's remaining quantity).

    A fulfillment order already at the target moves nothing; a line without an inventory item is
    not stocked, so it claims nothing.
    """
    fulfillment_orders = {fo.id: fo for fo in snapshot.fulfillment_orders}
    taken: dict[tuple[int, str, str], int] = defaultdict(int)
    for position, intent in enumerate(decision.intents):
        if isinstance(intent, MoveFulfillmentOrder):
            picked = [(line.id, line.quantity) for line in intent.lines]
        elif isinstance(intent, SendPurchaseOrder | HandOff):
            picked = [] if intent.whole else [(line.id, line.quantity) for line in intent.lines]
        else:
            continue
        target = intent.stand_in_location_id if isinstance(intent, HandOff) else intent.to_location_id
        fo = fulfillment_orders.get(intent.fulfillment_order_id)
        # Already at the target, Shopify counts the units there; but a hand-off is decided on the
        # other store's figures, which know nothing of it until its linked order is made.
        if fo is None or (fo.assigned_location_id == target and not isinstance(intent, HandOff)):
            continue
        lines = {line.id: line for line in fo.lines}
        for line_id, quantity in picked or [(line.id, line.remaining_quantity) for line in fo.lines]:
            line = lines.get(line_id)
            if line is not None and line.inventory_item_id and quantity > 0:
                taken[(position, target, line.inventory_item_id)] += quantity
    return [Claim(position, location, item, units) for (position, location, item), units in taken.items()]


def moves_units(intent: Intent) -> bool:
    """Whether the intent moves units to a location (so it holds a reservation until settled)."""
    return isinstance(intent, MoveFulfillmentOrder | SendPurchaseOrder | HandOff)


def stocked_items(snapshot: Snapshot) -> frozenset[str]:
    """The inventory items a snapshot's figures or lines name (those a reservation can lower)."""
    lines = {line.inventory_item_id for _, line in snapshot.lines() if line.inventory_item_id}
    return frozenset(snapshot.inventory) | frozenset(lines)


def lowered(snapshot: Snapshot, held: Mapping[str, Mapping[str, int]]) -> Snapshot:
    """The snapshot with each location's `available` less what is held there (possibly below zero).

    A location missing from an item's figures does not stock it, and stays missing.
    """
    if not held:
        return snapshot
    inventory = {
        item: {location: units - held.get(item, {}).get(location, 0) for location, units in figures.items()}
        for item, figures in snapshot.inventory.items()
    }
    return snapshot.model_copy(update={"inventory": inventory})


class Allocation:
    """One store's allocation lock, held for one transaction: read what is held, then reserve."""

    def __init__(self, reservations: Reservations, session: AsyncSession, store: str) -> None:
        self._reservations = reservations
        self.session = session
        self.store = store

    async def held(
        self, items: Collection[str], *, besides_order: str | None = None, read_at: datetime | None = None
    ) -> Held:
        """What other orders hold of `items` (see `Reservations.held`), read under the lock."""
        return await self._reservations._held(self.session, self.store, items, besides_order, read_at)

    async def lowered(self, snapshot: Snapshot, read_at: datetime | None) -> Snapshot:
        """`snapshot` with `available` lowered by what OTHER orders hold (read under the lock).

        The order's own reservations (an earlier decision of it) are not held against it.
        """
        held = await self.held(stocked_items(snapshot), besides_order=snapshot.order.id, read_at=read_at)
        return lowered(snapshot, held)

    async def reserve(self, decision_id: str, decision: Decision, snapshot: Snapshot) -> int:
        """Reserve the units the decision's moves send to their targets; returns how many rows."""
        rows = claims(decision, snapshot)
        now = self._reservations.now()
        self.session.add_all(
            ReservationRow(
                store=self.store,
                location_id=claim.location_id,
                inventory_item_id=claim.inventory_item_id,
                quantity=claim.quantity,
                decision_id=decision_id,
                intent_key=f"{decision_id}:{claim.position}",
                order_id=decision.order_id,
                created_at=now,
                released_at=None,
            )
            for claim in rows
        )
        await self.session.flush()
        return len(rows)


class Reservations:
    """Reservations over the store's sessions; see the module docstring for when each is released.

    `stale_after` is how long an unreleased reservation counts (a crashed worker's); `clock_skew`
    widens "released after the snapshot was read" for replicas whose clocks differ a little.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utc_now,
        stale_after: timedelta = timedelta(minutes=10),
        clock_skew: timedelta = timedelta(seconds=2),
    ) -> None:
        self._sessions = sessions
        self._now = clock
        self.stale_after = stale_after
        self.clock_skew = clock_skew
        # Intent keys this process released, and when: its own clock needs no skew allowance.
        self._released_here: dict[str, datetime] = {}

    def now(self) -> datetime:
        """The clock reservations are stamped with; take a snapshot's read time from it."""
        return self._now()

    @asynccontextmanager
    async def allocating(self, store: str) -> AsyncIterator[Allocation]:
        """Hold `store`'s allocation lock for one transaction, committed when the block ends.

        Keep the block short and open no other session inside it: on SQLite the pool has one
        connection, and this block holds it.
        """
        async with self._sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(store))))
            else:
                # Take the write lock before the first read, not at the first write.
                await session.execute(text("BEGIN IMMEDIATE"))
            try:
                yield Allocation(self, session, store)
            except BaseException:
                await session.rollback()
                raise
            await session.commit()

    async def held(
        self,
        store: str,
        items: Collection[str],
        *,
        besides_order: str | None = None,
        read_at: datetime | None = None,
    ) -> Held:
        """`{item: {location: units}}` held by reservations of `items` in `store`, without the lock.

        Counted: reservations not released, or released after `read_at` (a snapshot read then
        does not show their moves yet), and younger than `stale_after`; those of `besides_order`
        (the order being decided again) are left out.
        """
        async with self._sessions() as session:
            return await self._held(session, store, items, besides_order, read_at)

    async def _held(
        self,
        session: AsyncSession,
        store: str,
        items: Collection[str],
        besides_order: str | None,
        read_at: datetime | None,
    ) -> Held:
        if not items:
            return {}
        now = self._now()
        unsettled = ReservationRow.released_at.is_(None)
        counting = (
            unsettled
            if read_at is None
            else or_(unsettled, ReservationRow.released_at > read_at - self.clock_skew)
        )
        query = (
            select(
                ReservationRow.inventory_item_id,
                ReservationRow.location_id,
                ReservationRow.quantity,
                ReservationRow.intent_key,
                ReservationRow.released_at,
            )
            .where(ReservationRow.store == store, ReservationRow.inventory_item_id.in_(sorted(items)))
            .where(counting, ReservationRow.created_at > now - self.stale_after)
        )
        if besides_order is not None:
            query = query.where(ReservationRow.order_id != besides_order)
        held: Held = defaultdict(dict)
        for item, location, units, key, released_at in (await session.execute(query)).all():
            # Released before the read by this process: the read shows it, skew or not.
            mine = key in self._released_here
            if mine and read_at is not None and released_at is not None and as_utc(released_at) <= read_at:
                continue
            held[item][location] = held[item].get(location, 0) + int(units)
        return dict(held)

    async def release_for_intents(self, intent_keys: Iterable[str]) -> int:
        """Release the reservations of settled intents (by idempotency key); returns how many rows."""
        keys = sorted(set(intent_keys))
        if not keys:
            return 0
        released = await self._release(ReservationRow.intent_key.in_(keys))
        self._remember_released(keys)
        return released

    def _remember_released(self, keys: Iterable[str]) -> None:
        now = self._now()
        horizon = now - 2 * self.clock_skew  # older ones count by the skew rule alike
        for key, when in list(self._released_here.items()):
            if when < horizon:
                del self._released_here[key]
        self._released_here.update(dict.fromkeys(keys, now))

    async def release_for_intent(self, intent_key: str) -> int:
        """Release the reservations of one settled intent; returns how many rows."""
        return await self.release_for_intents([intent_key])

    async def release_for_decision(self, decision_id: str) -> int:
        """Release every reservation of a decision (finished, failed or undone); returns how many rows."""
        return await self._release(ReservationRow.decision_id == decision_id)

    async def release_stale(self) -> int:
        """Mark released the reservations older than `stale_after` (left by a crash); returns how many."""
        return await self._release(ReservationRow.created_at <= self._now() - self.stale_after)

    async def _release(self, which: ColumnElement[bool]) -> int:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(ReservationRow)
                .where(which, ReservationRow.released_at.is_(None))
                .values(released_at=self._now())
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
