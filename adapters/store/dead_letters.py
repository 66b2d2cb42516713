"""Dead letters: deliveries the workers ended as `failed`, kept with the reason, and put back by hand.

A failed delivery is final: workers lease only `pending` deliveries and the order lock is released
when its processing ends, so a dead letter never blocks other orders (nor later deliveries for the
same order). `retry` makes it `pending` again, with its attempts reset, available now and no lease,
so a running service (or the next one to start) processes it again.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, literal, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.clock import Clock, as_utc, utc_now
from adapters.store.tables import DeliveryRow

FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    shop: str
    topic: str
    webhook_id: str
    order_id: str | None
    attempts: int
    failed_at: datetime | None
    note: str | None

    @classmethod
    def from_row(cls, row: DeliveryRow) -> DeadLetter:
        return cls(
            id=row.id,
            shop=row.shop,
            topic=row.topic,
            webhook_id=row.webhook_id,
            order_id=row.order_id,
            attempts=row.attempts,
            failed_at=None if row.finished_at is None else as_utc(row.finished_at),
            note=row.note,
        )


@dataclass(frozen=True, slots=True)
class Retried:
    """What `retry` did: the ids put back to pending, and the ids asked for that are not dead letters."""

    retried: tuple[int, ...]
    unknown: tuple[int, ...] = ()


class DeadLetters:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = clock

    async def failed(self, *, shop: str | None = None, limit: int | None = None) -> list[DeadLetter]:
        """The failed deliveries (of `shop`, when given), newest first."""
        query = select(DeliveryRow).where(DeliveryRow.state == FAILED)
        if shop is not None:
            query = query.where(DeliveryRow.shop == shop)
        newest = func.coalesce(DeliveryRow.finished_at, DeliveryRow.received_at)
        query = query.order_by(newest.desc(), DeliveryRow.id.desc())
        if limit is not None:
            query = query.limit(limit)
        async with self._sessions() as session:
            return [DeadLetter.from_row(row) for row in (await session.scalars(query)).all()]

    async def count(self, *, shop: str | None = None) -> int:
        query = select(func.count()).select_from(DeliveryRow).where(DeliveryRow.state == FAILED)
        if shop is not None:
            query = query.where(DeliveryRow.shop == shop)
        async with self._sessions() as session:
            return int(await session.scalar(query) or 0)

    async def retry(self, ids: Collection[int]) -> Retried:
        """Put these failed deliveries back to pending, all or none.

        When an id is not a failed delivery (no such delivery, or one in another state), nothing
        is changed and the result names the unknown ids.
        """
        wanted = sorted(set(ids))
        if not wanted:
            return Retried(())
        async with self._sessions.begin() as session:
            found = set(
                (
                    await session.scalars(
                        select(DeliveryRow.id)
                        .where(DeliveryRow.id.in_(wanted), DeliveryRow.state == FAILED)
                        .with_for_update()
                    )
                ).all()
            )
            unknown = tuple(i for i in wanted if i not in found)
            if unknown:
                return Retried((), unknown)
            retried = await self._put_back(session, DeliveryRow.id.in_(wanted))
        return Retried(retried)

    async def retry_all(self, *, shop: str | None = None) -> Retried:
        """Put every failed delivery (of `shop`, when given) back to pending."""
        condition = DeliveryRow.shop == shop if shop is not None else true()
        async with self._sessions.begin() as session:
            return Retried(await self._put_back(session, condition))

    async def _put_back(self, session: AsyncSession, condition: ColumnElement[bool]) -> tuple[int, ...]:
        now = self._now()
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        # The old reason stays in the note until the delivery ends again.
        note = literal(f"retried by hand at {stamp}; it had failed: ") + func.coalesce(DeliveryRow.note, "")
        result = await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.state == FAILED)
            .where(condition)
            .values(
                state="pending",
                attempts=0,
                available_at=now,
                lease_owner=None,
                lease_until=None,
                finished_at=None,
                note=note,
            )
            .returning(DeliveryRow.id)
        )
        return tuple(sorted(result.scalars().all()))

    async def get(self, delivery_id: int) -> DeadLetter | None:
        """The failed delivery `delivery_id`; None when there is none (or it is not failed)."""
        async with self._sessions() as session:
            row = await session.get(DeliveryRow, delivery_id)
            return None if row is None or row.state != FAILED else DeadLetter.from_row(row)
