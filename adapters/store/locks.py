"""Order locks: a lease per (shop, order), so that one order is decided by one worker at a time.

A lease rather than a session-bound lock: it works the same on SQLite and PostgreSQL, across
processes and replicas, and a crashed holder's lease simply expires.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.clock import Clock, utc_now
from adapters.store.tables import OrderLockRow

Taken = Literal["new", "renewed", "taken_over"]


class OrderLocks:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = clock

    async def acquire(self, shop: str, order_id: str, owner: str, lease_seconds: float) -> bool:
        """Take the order's lease (or renew our own); False while another owner holds it."""
        return await self.take(shop, order_id, owner, lease_seconds) is not None

    async def take(self, shop: str, order_id: str, owner: str, lease_seconds: float) -> Taken | None:
        """Take the order's lease: `new`, `renewed` (ours), `taken_over` (another owner's had
        expired), or None while another owner holds it.

        One guarded statement takes it: insert the lease, or take over a row that is ours or has
        expired. The owner read before it only names the case (a race there can miscount a
        takeover, never give the lease to two owners).
        """
        now = self._now()
        until = now + timedelta(seconds=lease_seconds)
        async with self._sessions.begin() as session:
            previous = await session.scalar(
                select(OrderLockRow.owner).where(OrderLockRow.shop == shop, OrderLockRow.order_id == order_id)
            )
            dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
            statement = (
                dialect.insert(OrderLockRow)
                .values(shop=shop, order_id=order_id, owner=owner, lease_until=until)
                .on_conflict_do_update(
                    index_elements=["shop", "order_id"],
                    set_={"owner": owner, "lease_until": until},
                    where=(OrderLockRow.owner == owner) | (OrderLockRow.lease_until < now),
                )
                .returning(OrderLockRow.owner)
            )
            taken = (await session.execute(statement)).first()
        if taken is None:
            return None
        return "new" if previous is None else "renewed" if previous == owner else "taken_over"

    async def release(self, shop: str, order_id: str, owner: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(OrderLockRow).where(
                    OrderLockRow.shop == shop, OrderLockRow.order_id == order_id, OrderLockRow.owner == owner
                )
            )

    async def release_all(self, owners: Collection[str], *, after_seconds: float = 0.0) -> int:
        """Give up every order lease held by `owners` (workers that stopped), now or after
        `after_seconds`; returns how many."""
        if not owners:
            return 0
        async with self._sessions.begin() as session:
            if after_seconds > 0:
                until = self._now() + timedelta(seconds=after_seconds)
                statement = (
                    update(OrderLockRow)
                    .where(OrderLockRow.owner.in_(owners), OrderLockRow.lease_until > until)
                    .values(lease_until=until)
                )
                result = await session.execute(statement)
            else:
                result = await session.execute(delete(OrderLockRow).where(OrderLockRow.owner.in_(owners)))
            return int(result.rowcount)  # type: ignore[attr-defined]
