"""The inbox: webhook deliveries stored durably before we answer Shopify, then leased by workers.

A delivery is stored once per `X-Shopify-Webhook-Id`; a second delivery with the same id is a
duplicate and is not processed again. Concurrent deliveries are written in one transaction
(group commit), so intake is not bound by one disk flush per webhook. Workers lease one pending
delivery at a time; a lease that expires (the worker died) makes the delivery available again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.clock import Clock, utc_now
from adapters.store.database import flush_to_disk_on_commit
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

    @classmethod
    def from_row(cls, row: DeliveryRow) -> Delivery:
        return cls(
            id=row.id,
            webhook_id=row.webhook_id,
            shop=row.shop,
            topic=row.topic,
            body=row.body,
            attempts=row.attempts,
            order_id=row.order_id,
            decision_id=row.decision_id,
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
        async with self._sessions.begin() as session:
            await flush_to_disk_on_commit(session, durable=True)
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            table = DeliveryRow.__table__
            # One cached statement, executed for many rows (SQLAlchemy's "insertmanyvalues").
            statement = (
                dialect.insert(table)
                .on_conflict_do_nothing(index_elements=["webhook_id"])
                .returning(table.c.webhook_id)
            )
            inserted = set((await session.execute(statement, rows)).scalars().all())
        async with self._sessions() as session:
            await flush_to_disk_on_commit(session, durable=False)
        # A webhook id twice in one batch: the first is stored, the second is its duplicate.
        first_seen: set[str] = set()
        stored = []
        for delivery in deliveries:
            is_new = delivery.webhook_id in inserted and delivery.webhook_id not in first_seen
            first_seen.add(delivery.webhook_id)
            stored.append(is_new)
        return stored

    async def lease(self, owner: str, lease_seconds: float) -> Delivery | None:
        """Take the oldest ready delivery for `owner`, or None when there is none."""
        now = self._now()
        ready = (
            select(DeliveryRow.id)
            .where(DeliveryRow.state == "pending", DeliveryRow.available_at <= now)
            .where(or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now))
            .order_by(DeliveryRow.available_at, DeliveryRow.id)
            .limit(8)
            .with_for_update(skip_locked=True)
        )
        async with self._sessions.begin() as session:
            for delivery_id in (await session.scalars(ready)).all():
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
                    return Delivery.from_row(row)
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

    async def counts(self) -> dict[str, int]:
        async with self._sessions() as session:
            rows = await session.execute(select(DeliveryRow.state, func.count()).group_by(DeliveryRow.state))
            return {state: count for state, count in rows}

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
