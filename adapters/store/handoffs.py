"""The hand-off book: lines of an order in one store fulfilled by a location of another store, in SQL.

A hand-off is opened when the engine moves the origin's fulfillment order to the stand-in location
(the location of the origin store that stands for the other store's location) and holds it there.
The fulfilling store then ships, through a linked order the engine creates (`linked_order`) or
through the coordination service (`coordinator`). Its status moves only forward:

    open ─ complete (tracking) ─▶ completed
    open ─ fail (reason) ─▶ failed          (the origin's order is decided again without that store)
    open ─ cancel (reason) ─▶ cancelled     (the origin's order was cancelled or changed)

A change that does not fit the status (completing a failed hand-off) is not applied: the hand-off
keeps its status, a line saying what arrived is added to its `detail`, and the returned
`HandOffTransition` says so. Opening is idempotent by the intent key (`decision_id`): a retried
decision finds the hand-off it opened. With `events`, opening, completing, failing and cancelling
publish `handoff.created|completed|failed|cancelled` in the same transaction as the change, so no
event is lost and none is told of a change that rolled back. Every method may join the caller's `session`.
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.clock import Clock, utc_now
from adapters.store.handoff_records import (
    MODES,
    HandOff,
    HandOffLine,
    HandOffMode,
    HandOffStatus,
    HandOffTransition,
    Tracking,
    UnknownHandOff,
    handoffs_of,
)
from adapters.store.tables import HandOffLineRow, HandOffRow

__all__ = [
    "EventPublisher",
    "HandOff",
    "HandOffBook",
    "HandOffLine",
    "HandOffMode",
    "HandOffStatus",
    "HandOffTransition",
    "Opened",
    "Tracking",
    "UnknownHandOff",
]


class EventPublisher(Protocol):
    """Where the book tells of its changes (`adapters.events.EventOutbox` is one)."""

    async def publish(
        self, type: str, payload: Mapping[str, Any], session: AsyncSession | None = None
    ) -> str | None:
        """Keep an event to send; with `session`, inside the caller's transaction."""
        ...


@dataclass(frozen=True, slots=True)
class Opened:
    """The hand-off of an intent key, and whether this call opened it (False: a retry found it)."""

    handoff: HandOff
    created: bool


class HandOffBook:
    """Hand-offs and their lines; see the module's docstring for the statuses."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        events: EventPublisher | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._sessions = sessions
        self._events = events
        self._now = clock

    async def open(
        self,
        *,
        decision_id: str,
        origin_store: str,
        origin_order_id: str,
        origin_order_name: str,
        origin_fulfillment_order_id: str,
        stand_in_location_id: str,
        fulfilling_store: str,
        fulfilling_location_id: str,
        mode: HandOffMode,
        lines: Sequence[HandOffLine],
        session: AsyncSession | None = None,
    ) -> Opened:
        """Open a hand-off (status `open`) with its lines, or find the one this intent key opened."""
        _check_new(origin_order_name, origin_store, fulfilling_store, mode, lines)
        async with self._transaction(session) as tx:
            existing = await tx.scalar(select(HandOffRow).where(HandOffRow.decision_id == decision_id))
            if existing is not None:
                return Opened(await self._read(tx, existing.id), created=False)
            row = HandOffRow(
                id=str(uuid.uuid4()),
                origin_store=origin_store,
                origin_order_id=origin_order_id,
                origin_order_name=origin_order_name,
                origin_fulfillment_order_id=origin_fulfillment_order_id,
                stand_in_location_id=stand_in_location_id,
                fulfilling_store=fulfilling_store,
                fulfilling_location_id=fulfilling_location_id,
                mode=mode,
                status="open",
                tracking_numbers="[]",
                tracking_urls="[]",
                created_at=self._now(),
                decision_id=decision_id,
            )
            try:
                async with tx.begin_nested():
                    tx.add(row)
                    await tx.flush()
                    for position, line in enumerate(lines, start=1):
                        tx.add(
                            HandOffLineRow(
                                handoff_id=row.id,
                                position=position,
                                sku=line.sku,
                                quantity=line.quantity,
                                fulfillment_order_line_id=line.fulfillment_order_line_id,
                            )
                        )
                    await tx.flush()
            except IntegrityError:  # opened a moment ago by a retry of the same intent
                found = await tx.scalar(select(HandOffRow.id).where(HandOffRow.decision_id == decision_id))
                if found is None:
                    raise
                return Opened(await self._read(tx, found), created=False)
            handoff = await self._read(tx, row.id)
            await self._tell(tx, "handoff.created", handoff)
            return Opened(handoff, created=True)

    async def record_linked_order(
        self, handoff_id: str, order_id: str, order_name: str, *, session: AsyncSession | None = None
    ) -> HandOffTransition:
        """Remember the linked order created in the fulfilling store (while the hand-off is open).

        The same order again changes nothing (`applied` False); another order than the one already
        recorded is not applied and noted, since the first one is what the fulfilling store ships.
        """
        async with self._transaction(session) as tx:
            row = await _lock(tx, handoff_id)
            previous: HandOffStatus = row.status  # type: ignore[assignment]
            note = None
            if row.status != "open":
                note = f"linked order {order_name} not recorded: the hand-off was already {row.status}"
            elif row.linked_order_id not in (None, order_id):
                note = (
                    f"linked order {order_name} ({order_id}) not recorded: "
                    f"{row.linked_order_name} ({row.linked_order_id}) was recorded before"
                )
            applied = note is None and row.linked_order_id is None
            if applied:
                await _set(tx, handoff_id, linked_order_id=order_id, linked_order_name=order_name)
            elif note is not None:
                await _set(tx, handoff_id, detail=_joined(row.detail, self._stamped(note)))
            return HandOffTransition(applied, previous, previous, await self._read(tx, handoff_id))

    async def complete(
        self, handoff_id: str, tracking: Tracking, *, session: AsyncSession | None = None
    ) -> HandOffTransition:
        """The fulfilling store shipped (open → completed), with its tracking."""
        changes = {
            "tracking_company": tracking.company,
            "tracking_numbers": json.dumps(list(tracking.numbers)),
            "tracking_urls": json.dumps(list(tracking.urls)),
        }
        return await self._close(handoff_id, "completed", changes, None, session)

    async def fail(
        self, handoff_id: str, reason: str, *, session: AsyncSession | None = None
    ) -> HandOffTransition:
        """The fulfilling store cannot ship (open → failed); `reason` goes into the detail."""
        return await self._close(handoff_id, "failed", {}, reason, session)

    async def cancel(
        self, handoff_id: str, reason: str, *, session: AsyncSession | None = None
    ) -> HandOffTransition:
        """We withdraw the hand-off (open → cancelled), e.g. the origin's order was cancelled."""
        return await self._close(handoff_id, "cancelled", {}, reason, session)

    async def get(self, handoff_id: str) -> HandOff | None:
        """The hand-off with this id, or None."""
        async with self._sessions() as session:
            row = await session.get(HandOffRow, handoff_id)
            return None if row is None else (await handoffs_of(session, [row]))[0]

    async def for_order(self, store: str, order_id: str) -> list[HandOff]:
        """Every hand-off of an order of the origin `store`, in the order they were opened."""
        return await self._select(
            select(HandOffRow)
            .where(HandOffRow.origin_store == store, HandOffRow.origin_order_id == order_id)
            .order_by(HandOffRow.created_at, HandOffRow.id)
        )

    async def by_linked_order(self, store: str, order_id: str) -> HandOff | None:
        """The hand-off whose linked order is `order_id` of the fulfilling `store`."""
        found = await self._select(
            select(HandOffRow).where(
                HandOffRow.fulfilling_store == store, HandOffRow.linked_order_id == order_id
            )
        )
        return found[0] if found else None

    async def list(
        self, stores: Collection[str], status: HandOffStatus | None = None, limit: int = 100
    ) -> builtins.list[HandOff]:
        """Hand-offs whose origin is one of `stores` (with `status`, only those), newest first."""
        query = select(HandOffRow).where(HandOffRow.origin_store.in_(sorted(stores)))
        if status is not None:
            query = query.where(HandOffRow.status == status)
        return await self._select(query.order_by(HandOffRow.created_at.desc(), HandOffRow.id).limit(limit))

    async def _close(
        self,
        handoff_id: str,
        status: HandOffStatus,
        changes: dict[str, Any],
        reason: str | None,
        session: AsyncSession | None,
    ) -> HandOffTransition:
        async with self._transaction(session) as tx:
            row = await _lock(tx, handoff_id)
            previous: HandOffStatus = row.status  # type: ignore[assignment]
            if previous != "open":
                what = {"completed": "completion", "failed": "failure", "cancelled": "cancellation"}[status]
                note = self._stamped(f"{what} not applied: the hand-off was already {previous}")
                await _set(tx, handoff_id, detail=_joined(row.detail, _joined(note, reason)))
                return HandOffTransition(False, previous, previous, await self._read(tx, handoff_id))
            detail = _joined(row.detail, reason)
            await _set(tx, handoff_id, status=status, completed_at=self._now(), detail=detail, **changes)
            handoff = await self._read(tx, handoff_id)
            # Cancelled too: in `coordinator` mode the coordination service must stop the shipment.
            await self._tell(tx, f"handoff.{status}", handoff)
            return HandOffTransition(True, previous, status, handoff)

    @asynccontextmanager
    async def _transaction(self, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
        if session is not None:
            yield session  # the caller commits
            return
        async with self._sessions.begin() as own:
            yield own

    async def _tell(self, session: AsyncSession, event_type: str, handoff: HandOff) -> None:
        if self._events is not None:
            await self._events.publish(event_type, {"handoff": handoff.to_json()}, session=session)

    async def _read(self, session: AsyncSession, handoff_id: str) -> HandOff:
        row = await session.get(HandOffRow, handoff_id, populate_existing=True)
        assert row is not None
        return (await handoffs_of(session, [row]))[0]

    async def _select(self, query: Any) -> builtins.list[HandOff]:
        async with self._sessions() as session:
            return await handoffs_of(session, list(await session.scalars(query)))

    def _stamped(self, note: str) -> str:
        at: datetime = self._now()
        return f"{at:%Y-%m-%d %H:%M} UTC: {note}"


def _check_new(
    order_name: str, origin: str, fulfilling: str, mode: str, lines: Sequence[HandOffLine]
) -> None:
    where = f"hand-off of {order_name} from {origin} to {fulfilling}"
    if mode not in MODES:
        raise ValueError(f"{where}: mode {mode!r} is not one of {list(MODES)}")
    if origin == fulfilling:
        raise ValueError(f"{where}: the fulfilling store is the origin; a hand-off goes to another store")
    if not lines:
        raise ValueError(f"{where}: no lines; give at least one")
    wrong = [line.sku for line in lines if line.quantity <= 0]
    if wrong:
        raise ValueError(f"{where}: SKU(s) {wrong} have no positive quantity")


async def _lock(session: AsyncSession, handoff_id: str) -> HandOffRow:
    """The hand-off's row, locked until the transaction ends (a no-op write takes the lock on
    PostgreSQL, and the database's write lock on SQLite, before the status is read)."""
    touched = await session.execute(
        update(HandOffRow)
        .where(HandOffRow.id == handoff_id)
        .values(status=HandOffRow.status)
        .execution_options(synchronize_session=False)
    )
    if touched.rowcount == 0:  # type: ignore[attr-defined]
        raise UnknownHandOff(f"no hand-off {handoff_id}; it was never opened in this database")
    row = await session.get(HandOffRow, handoff_id, populate_existing=True)
    assert row is not None
    return row


async def _set(session: AsyncSession, handoff_id: str, **values: Any) -> None:
    await session.execute(
        update(HandOffRow)
        .where(HandOffRow.id == handoff_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _joined(first: str | None, second: str | None) -> str | None:
    return "\n".join(part for part in (first, second) if part) or None
