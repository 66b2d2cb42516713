"""The outbox of events for the coordination service: kept in SQL until its receiver acknowledges them.

`publish` stores an event (in the caller's transaction when given its `session`, so an event is
kept exactly when the change it tells of commits); `adapters.events.sender.EventSender` sends it.
Types: `decision.made`, `handoff.created`, `handoff.completed`, `handoff.failed`, `handoff.cancelled`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.clock import Clock, as_utc, utc_now
from adapters.store.tables import OutboundEventRow

EventType = Literal[
    "decision.made", "handoff.created", "handoff.completed", "handoff.failed", "handoff.cancelled"
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)


@dataclass(frozen=True, slots=True)
class OutboundEvent:
    """One event and how far its delivery got."""

    id: str
    type: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None

    def body(self) -> bytes:
        """The request body the receiver gets (and the signature covers)."""
        document = {
            "id": self.id,
            "type": self.type,
            "created_at": as_utc(self.created_at).isoformat(),
            "data": self.payload,
        }
        return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


class EventOutbox:
    """Events kept until sent. `enabled=False` (no events URL configured) keeps nothing."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        enabled: bool = True,
        clock: Clock = utc_now,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        """`wake` is called after an event is kept in a transaction of its own (the sender's `wake`),
        so it goes out at once rather than at the sender's next look."""
        self._sessions = sessions
        self._enabled = enabled
        self._now = clock
        self._wake = wake

    async def publish(
        self, type: str, payload: Mapping[str, Any], session: AsyncSession | None = None
    ) -> str | None:
        """Keep an event of `type` carrying `payload` (JSON-serialisable); its id, or None when the
        outbox is disabled. With `session`, the event commits (or not) with the caller's transaction."""
        if type not in EVENT_TYPES:
            raise ValueError(f"event type {type!r} is not one of {list(EVENT_TYPES)}")
        try:
            text = json.dumps(payload, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"the payload of a {type} event is not JSON ({exc}); pass plain data") from None
        if not self._enabled:
            return None
        now = self._now()
        row = OutboundEventRow(
            id=str(uuid.uuid4()), type=type, payload=text, created_at=now, attempts=0, next_attempt_at=now
        )
        if session is not None:
            session.add(row)
            await session.flush()
            return row.id
        async with self._sessions.begin() as own:
            own.add(row)
        self._wake()
        return row.id

    async def get(self, event_id: str) -> OutboundEvent | None:
        """The event with this id, or None."""
        async with self._sessions() as session:
            row = await session.get(OutboundEventRow, event_id)
            return None if row is None else event_of(row)

    async def undelivered(self, *, limit: int = 100) -> list[OutboundEvent]:
        """Events not acknowledged yet, the oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(OutboundEventRow)
                .where(OutboundEventRow.delivered_at.is_(None))
                .order_by(OutboundEventRow.created_at, OutboundEventRow.id)
                .limit(limit)
            )
            return [event_of(row) for row in rows]


def event_of(row: OutboundEventRow) -> OutboundEvent:
    """The record of a row."""
    return OutboundEvent(
        id=row.id,
        type=row.type,
        payload=json.loads(row.payload),
        created_at=as_utc(row.created_at),
        attempts=row.attempts,
        next_attempt_at=as_utc(row.next_attempt_at),
        delivered_at=None if row.delivered_at is None else as_utc(row.delivered_at),
        last_error=row.last_error,
    )
