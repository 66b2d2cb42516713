"""The inbox: webhook deliveries stored durably before we answer Shopify, then leased by workers.

A delivery is stored once per `X-Shopify-Webhook-Id`; a second delivery with the same id is a
duplicate and is not processed again. Concurrent deliveries are written in one transaction
(group commit), so intake is not bound by one disk flush per webhook. Workers lease one pending
delivery at a time; a lease that expires (the worker died) makes the delivery available again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.clock import Clock, utc_now
from adapters.store.database import durable_commits
from adapters.store.group_commit import GroupCommit
from adapters.store.tables import DeliveryRow


@dataclass(frozen=True, slots=True)
class NewDelivery:
    webhook_id: str
    shop: str
    topic: str
    body: str
    event_id: str | None = None
    triggered_at: str | None = None
    api_version: str | None = None
    # False for topics nothing acts on: stored for the record as `stored`, never leased.
    needs_processing: bool = True


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    webhook_id: str
    shop: str
    topic: str
    body: str
    attempts: int
    order_id: str | None
    decision_id: str | None
    # The worker whose lease had expired when this one took the delivery (it crashed or stalled).
    taken_over_from: str | None = None

    @classmethod
    def from_row(cls, row: DeliveryRow, *, taken_over_from: str | None = None) -> Delivery:
        return cls(
            id=row.id,
            webhook_id=row.webhook_id,
            shop=row.shop,
            topic=row.topic,
            body=row.body,
            attempts=row.attempts,
            order_id=row.order_id,
            decision_id=row.decision_id,
            taken_over_from=taken_over_from,
        )


class Inbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = clock
        self._writes = GroupCommit[NewDelivery, bool](self._store_batch)

    async def store(self, delivery: NewDelivery) -> bool:
        """Store a delivery durably; False when its webhook id was already stored (a duplicate)."""
        return await self._writes.submit(delivery)

    async def _store_batch(self, deliveries: Sequence[NewDelivery]) -> list[bool]:
        now = self._now()
        rows = [
            {
                "webhook_id": d.webhook_id,
                "shop": d.shop,
                "topic": d.topic,
                "event_id": d.event_id,
                "triggered_at": d.triggered_at,
                "api_version": d.api_version,
                "body": d.body,
                "received_at": now,
                "available_at": now,
                "state": "pending" if d.needs_processing else "stored",
                "attempts": 0,
            }
            for d in deliveries
        ]
        with durable_commits():
            async with self._sessions.begin() as session:
                if session.get_bind().dialect.name == "sqlite":
                    inserted = await _insert_sqlite(session, rows)
                else:
                    # One cached statement, executed for many rows (SQLAlchemy's "insertmanyvalues").
                    statement = (
                        postgresql.insert(DeliveryRow)
                        .on_conflict_do_nothing(index_elements=["webhook_id"])
                        .returning(DeliveryRow.webhook_id)
                    )
                    inserted = set((await session.execute(statement, rows)).scalars().all())
        # A webhook id twice in one batch: the first is stored, the second is its duplicate.
        first_seen: set[str] = set()
        stored = []
        for delivery in deliveries:
            is_new = delivery.webhook_id in inserted and delivery.webhook_id not in first_seen
            first_seen.add(delivery.webhook_id)
            stored.append(is_new)
        return stored

    async def lease(self, owner: str, lease_seconds: float) -> Delivery | None:
        """Take the oldest ready delivery for `owner`, or None when there is none.

        A delivery still naming an owner was leased by a worker that never finished, retried nor
        gave it back (every one of those clears the owner): taking it is a takeover, and the
        delivery says whose (`taken_over_from`)."""
        now = self._now()
        ready = (
            select(DeliveryRow.id, DeliveryRow.lease_owner)
            .where(DeliveryRow.state == "pending", DeliveryRow.available_at <= now)
            .where(or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now))
            .order_by(DeliveryRow.available_at, DeliveryRow.id)
            .limit(8)
            .with_for_update(skip_locked=True)
        )
        async with self._sessions.begin() as session:
            for delivery_id, previous_owner in (await session.execute(ready)).all():
                # The guarded update makes the lease safe even where SKIP LOCKED is not available.
                taken = await session.execute(
                    update(DeliveryRow)
                    .where(DeliveryRow.id == delivery_id)
                    .where(or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now))
                    .values(
                        lease_owner=owner,
                        lease_until=now + timedelta(seconds=lease_seconds),
                        attempts=DeliveryRow.attempts + 1,
                    )
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    row = await session.get(DeliveryRow, delivery_id, populate_existing=True)
                    assert row is not None
                    return Delivery.from_row(row, taken_over_from=previous_owner)
        return None

    async def renew(self, delivery_id: int, owner: str, lease_seconds: float) -> bool:
        return await self._update(
            delivery_id, owner, lease_until=self._now() + timedelta(seconds=lease_seconds)
        )

    async def finish(
        self,
        delivery_id: int,
        owner: str,
        state: str,
        note: str,
        *,
        order_id: str | None = None,
        decision_id: str | None = None,
    ) -> None:
        """End a delivery's processing: done, ignored, echo or failed (kept, with the reason)."""
        await self._update(
            delivery_id,
            owner,
            state=state,
            note=note,
            order_id=order_id,
            decision_id=decision_id,
            lease_owner=None,
            lease_until=None,
            finished_at=self._now(),
        )

    async def retry_later(self, delivery_id: int, owner: str, delay_seconds: float, note: str) -> None:
        await self._update(
            delivery_id,
            owner,
            note=note,
            lease_owner=None,
            lease_until=None,
            available_at=self._now() + timedelta(seconds=delay_seconds),
        )

    async def release(self, delivery_id: int, owner: str, note: str, *, after_seconds: float = 0.0) -> bool:
        """Give a leased delivery back (a worker cut short at shutdown), ready `after_seconds` on.

        Another replica, or the next start, takes it without waiting for the whole lease to
        expire. False when `owner` no longer held it.
        """
        return await self._update(
            delivery_id,
            owner,
            note=note,
            lease_owner=None,
            lease_until=None,
            available_at=self._now() + timedelta(seconds=after_seconds),
        )

    async def last_id(self) -> int:
        """The highest delivery id stored so far (0 when none): every delivery with an id up to it
        was received before this call (ids are handed out in order, after the webhook arrived)."""
        async with self._sessions() as session:
            return int(await session.scalar(select(func.max(DeliveryRow.id))) or 0)

    async def counts(self) -> dict[str, int]:
        async with self._sessions() as session:
            rows = await session.execute(select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state))
            return {state: count for state, count in rows}

    async def pending_count(self, shop: str, topic: str) -> int:
        """How many of `shop`'s deliveries of `topic` are still waiting to be processed."""
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).where(
                    DeliveryRow.state == "pending", DeliveryRow.shop == shop, DeliveryRow.topic == topic
                )
            )
            return int(count or 0)

    async def pending_bodies(self, shop: str, topic: str) -> list[str]:
        """The bodies of `shop`'s deliveries of `topic` still waiting to be processed."""
        async with self._sessions() as session:
            bodies = await session.scalars(
                select(DeliveryRow.body).where(
                    DeliveryRow.state == "pending", DeliveryRow.shop == shop, DeliveryRow.topic == topic
                )
            )
            return list(bodies)

    async def get(self, webhook_id: str) -> DeliveryRow | None:
        async with self._sessions() as session:
            return await session.scalar(select(DeliveryRow).where(DeliveryRow.webhook_id == webhook_id))

    async def next_ready_at(self) -> datetime | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(DeliveryRow.available_at)
                .where(DeliveryRow.state == "pending")
                .order_by(DeliveryRow.available_at)
                .limit(1)
            )

    async def _update(self, delivery_id: int, owner: str, **values: object) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == delivery_id, DeliveryRow.lease_owner == owner)
                .values(**values)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]


_INSERTED_COLUMNS = (
    "webhook_id",
    "shop",
    "topic",
    "event_id",
    "triggered_at",
    "api_version",
    "body",
    "received_at",
    "available_at",
    "state",
    "attempts",
)


def _binders(dialect: Dialect) -> dict[str, Callable[[Any], Any]]:
    """How SQLAlchemy stores each inserted column's values in this dialect (SQLite: datetimes as text)."""
    table = DeliveryRow.__table__
    binders: dict[str, Callable[[Any], Any]] = {}
    for name in _INSERTED_COLUMNS:
        processor = table.c[name].type.bind_processor(dialect)
        if processor is not None:
            binders[name] = processor
    return binders


async def _insert_sqlite(session: AsyncSession, rows: list[dict[str, Any]]) -> set[str]:
    """The batch as one `INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING RETURNING` on SQLite.

    Sent straight to the driver in one call (statement and rows together), inside the session's
    transaction, which commits it: two round trips to the driver's thread per batch instead of
    one per cursor step. Returns the webhook ids inserted (not those already stored).
    """
    connection = await session.connection()
    binders = _binders(connection.dialect)
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    placeholders = "(" + ", ".join("?" for _ in _INSERTED_COLUMNS) + ")"
    sql = (
        f"INSERT INTO deliveries ({', '.join(_INSERTED_COLUMNS)}) VALUES "
        + ", ".join(placeholders for _ in rows)
        + " ON CONFLICT (webhook_id) DO NOTHING RETURNING webhook_id"
    )
    parameters = []
    for row in rows:
        for name in _INSERTED_COLUMNS:
            value = row[name]
            binder = binders.get(name)
            parameters.append(value if binder is None or value is None else binder(value))
    inserted = await driver.execute_fetchall(sql, parameters)
    return {webhook_id for (webhook_id,) in inserted}
