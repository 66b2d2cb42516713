"""What the hand-off book hands out: hand-offs, their lines and tracking, and what a change did."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.store.clock import as_utc
from adapters.store.tables import HandOffLineRow, HandOffRow

HandOffMode = Literal["linked_order", "coordinator"]
HandOffStatus = Literal["open", "completed", "failed", "cancelled"]
MODES: tuple[str, ...] = get_args(HandOffMode)
STATUSES: tuple[str, ...] = get_args(HandOffStatus)


class UnknownHandOff(LookupError):
    """No hand-off has this id in this database."""


@dataclass(frozen=True, slots=True)
class HandOffLine:
    """Units of one line of the origin's fulfillment order that the other store fulfils."""

    sku: str
    quantity: int
    fulfillment_order_line_id: str


@dataclass(frozen=True, slots=True)
class Tracking:
    """How the fulfilling store shipped: carrier, tracking numbers and their URLs."""

    company: str | None = None
    numbers: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class HandOff:
    """One hand-off and its lines. `decision_id` is the key of the intent that opened it."""

    id: str
    origin_store: str
    origin_order_id: str
    origin_order_name: str
    origin_fulfillment_order_id: str
    stand_in_location_id: str
    fulfilling_store: str
    fulfilling_location_id: str
    mode: HandOffMode
    status: HandOffStatus
    linked_order_id: str | None
    linked_order_name: str | None
    tracking: Tracking
    detail: str | None
    created_at: datetime
    completed_at: datetime | None
    decision_id: str
    lines: tuple[HandOffLine, ...]

    def to_json(self) -> dict[str, Any]:
        """The hand-off as the API answers it and events carry it."""
        return {
            "id": self.id,
            "status": self.status,
            "mode": self.mode,
            "origin": {
                "store": self.origin_store,
                "order_id": self.origin_order_id,
                "order_name": self.origin_order_name,
                "fulfillment_order_id": self.origin_fulfillment_order_id,
                "stand_in_location_id": self.stand_in_location_id,
            },
            "fulfilling": {
                "store": self.fulfilling_store,
                "location_id": self.fulfilling_location_id,
                "linked_order_id": self.linked_order_id,
                "linked_order_name": self.linked_order_name,
            },
            "lines": [
                {
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "fulfillment_order_line_id": line.fulfillment_order_line_id,
                }
                for line in self.lines
            ],
            "tracking": {
                "company": self.tracking.company,
                "numbers": list(self.tracking.numbers),
                "urls": list(self.tracking.urls),
            },
            "detail": self.detail,
            "created_at": as_utc(self.created_at).isoformat(),
            "completed_at": None if self.completed_at is None else as_utc(self.completed_at).isoformat(),
            "intent_key": self.decision_id,
        }


@dataclass(frozen=True, slots=True)
class HandOffTransition:
    """What a change did: `applied` False means the hand-off was already `previous` and stays so."""

    applied: bool
    previous: HandOffStatus
    status: HandOffStatus
    handoff: HandOff


async def handoffs_of(session: AsyncSession, rows: list[HandOffRow]) -> list[HandOff]:
    """The records of `rows`, each with its lines in their order."""
    if not rows:
        return []
    lines: dict[str, list[HandOffLine]] = {row.id: [] for row in rows}
    found = await session.scalars(
        select(HandOffLineRow)
        .where(HandOffLineRow.handoff_id.in_(list(lines)))
        .order_by(HandOffLineRow.handoff_id, HandOffLineRow.position)
    )
    for line in found:
        lines[line.handoff_id].append(HandOffLine(line.sku, line.quantity, line.fulfillment_order_line_id))
    return [_record(row, tuple(lines[row.id])) for row in rows]


def _record(row: HandOffRow, lines: tuple[HandOffLine, ...]) -> HandOff:
    return HandOff(
        id=row.id,
        origin_store=row.origin_store,
        origin_order_id=row.origin_order_id,
        origin_order_name=row.origin_order_name,
        origin_fulfillment_order_id=row.origin_fulfillment_order_id,
        stand_in_location_id=row.stand_in_location_id,
        fulfilling_store=row.fulfilling_store,
        fulfilling_location_id=row.fulfilling_location_id,
        mode=row.mode,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        linked_order_id=row.linked_order_id,
        linked_order_name=row.linked_order_name,
        tracking=Tracking(
            row.tracking_company,
            tuple(json.loads(row.tracking_numbers)),
            tuple(json.loads(row.tracking_urls)),
        ),
        detail=row.detail,
        created_at=as_utc(row.created_at),
        completed_at=None if row.completed_at is None else as_utc(row.completed_at),
        decision_id=row.decision_id,
        lines=lines,
    )
