"""Shadow decisions: what the shadow rule set decided for each live decision's snapshot.

One row per (live decision, shadow rule-set version), with the shadow decision and the changes
from the live one (`adapters.decision_diff`), worked out when recorded so the report is a read.
Nothing here is ever executed: shadow decisions have no outbox.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from adapters.decision_diff import Change
from adapters.store.clock import Clock, utc_now
from adapters.store.tables import Base
from engine import Decision


class ShadowDecisionRow(Base):
    __tablename__ = "shadow_decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"))
    shop: Mapped[str] = mapped_column(String(255))
    order_id: Mapped[str] = mapped_column(String(255))
    order_name: Mapped[str] = mapped_column(String(255))
    live_ruleset_version: Mapped[str] = mapped_column(String(64))
    shadow_ruleset_version: Mapped[str] = mapped_column(String(64))
    live_outcome: Mapped[str] = mapped_column(String(16))
    shadow_outcome: Mapped[str] = mapped_column(String(16))
    disagrees: Mapped[bool] = mapped_column(Boolean)
    changes: Mapped[str] = mapped_column(Text)  # JSON list of Change.as_json()
    decision: Mapped[str] = mapped_column(Text)  # the shadow Decision
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("decision_id", "shadow_ruleset_version", name="uq_shadow_decisions_live"),
        Index("ix_shadow_decisions_created", "disagrees", "created_at"),
    )


@dataclass(frozen=True, slots=True)
class ShadowRecord:
    """A shadow decision as the report reads it."""

    id: str
    decision_id: str
    shop: str
    order_id: str
    order_name: str
    live_ruleset_version: str
    shadow_ruleset_version: str
    live_outcome: str
    shadow_outcome: str
    changes: tuple[Change, ...]
    created_at: datetime


class ShadowDecisions:
    """The `shadow_decisions` table."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = clock

    async def record(
        self, decision_id: str, live: Decision, shadow: Decision, changes: tuple[Change, ...]
    ) -> bool:
        """Record the shadow decision of live decision `decision_id`; False if it was already recorded."""
        row = ShadowDecisionRow(
            id=str(uuid.uuid4()),
            decision_id=decision_id,
            shop=live.store,
            order_id=live.order_id,
            order_name=live.order_name,
            live_ruleset_version=live.ruleset_version,
            shadow_ruleset_version=shadow.ruleset_version,
            live_outcome=live.outcome,
            shadow_outcome=shadow.outcome,
            disagrees=bool(changes),
            changes=json.dumps([change.as_json() for change in changes], sort_keys=True),
            decision=shadow.model_dump_json(),
            created_at=self._now(),
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:  # a delivery retried after a crash decided the same live decision again
            return False
        return True

    async def disagreements(
        self, *, since: datetime | None = None, shops: list[str] | None = None, limit: int = 1000
    ) -> list[ShadowRecord]:
        """Shadow decisions that differ from the live one, oldest first (of `shops`, after `since`)."""
        query = select(ShadowDecisionRow).where(ShadowDecisionRow.disagrees.is_(True))
        if since is not None:
            query = query.where(ShadowDecisionRow.created_at >= since)
        if shops is not None:
            query = query.where(ShadowDecisionRow.shop.in_(shops))
        query = query.order_by(ShadowDecisionRow.created_at, ShadowDecisionRow.id).limit(limit)
        async with self._sessions() as session:
            return [_record(row) for row in await session.scalars(query)]

    async def count(self, *, since: datetime | None = None, shops: list[str] | None = None) -> int:
        """How many shadow decisions were recorded (agreeing or not)."""
        query = select(ShadowDecisionRow.id)
        if since is not None:
            query = query.where(ShadowDecisionRow.created_at >= since)
        if shops is not None:
            query = query.where(ShadowDecisionRow.shop.in_(shops))
        async with self._sessions() as session:
            return len((await session.scalars(query)).all())


def _record(row: ShadowDecisionRow) -> ShadowRecord:
    return ShadowRecord(
        id=row.id,
        decision_id=row.decision_id,
        shop=row.shop,
        order_id=row.order_id,
        order_name=row.order_name,
        live_ruleset_version=row.live_ruleset_version,
        shadow_ruleset_version=row.shadow_ruleset_version,
        live_outcome=row.live_outcome,
        shadow_outcome=row.shadow_outcome,
        changes=tuple(Change.from_json(raw) for raw in json.loads(row.changes)),
        created_at=row.created_at,
    )
