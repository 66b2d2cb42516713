"""Privacy requests: what Shopify's compliance webhooks asked of us, and what was done.

One row per request (`customers/data_request`, `customers/redact`, `shop/redact`), keyed by
(shop, kind, key) so a redelivered or retried webhook updates its row instead of adding one.
A row holds ids only (the customer id, the order ids), never an email, a phone or an address:
it is the record that a redaction was done, and the list a merchant's engineer exports from.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from adapters.store.clock import Clock, as_utc, utc_now
from adapters.store.tables import Base

DATA_REQUEST = "customers/data_request"
CUSTOMER_REDACT = "customers/redact"
SHOP_REDACT = "shop/redact"


class PrivacyRequestRow(Base):
    __tablename__ = "privacy_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shop: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))  # the webhook topic
    key: Mapped[str] = mapped_column(String(64))  # Shopify's data_request id, or a digest of the ids
    customer_id: Mapped[str | None] = mapped_column(String(255))  # gid://shopify/Customer/…
    order_ids: Mapped[str] = mapped_column(Text)  # JSON list of order gids
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    summary: Mapped[str] = mapped_column(Text)  # JSON {what: how many}, e.g. {"deliveries": 2}
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("shop", "kind", "key", name="uq_privacy_requests_key"),
        Index("ix_privacy_requests_received", "shop", "received_at"),
    )


@dataclass(frozen=True, slots=True)
class PrivacyRequest:
    id: str
    shop: str
    kind: str
    key: str
    customer_id: str | None
    order_ids: tuple[str, ...]
    received_at: datetime
    done_at: datetime | None
    summary: Mapping[str, int]
    exported_at: datetime | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "shop": self.shop,
            "kind": self.kind,
            "request_id": self.key if self.kind == DATA_REQUEST else None,
            "customer_id": self.customer_id,
            "order_ids": list(self.order_ids),
            "received_at": _stamp(self.received_at),
            "done_at": _stamp(self.done_at),
            "summary": dict(self.summary),
            "exported_at": _stamp(self.exported_at),
        }


class PrivacyRequests:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = clock

    async def record(
        self,
        session: AsyncSession,
        *,
        shop: str,
        kind: str,
        key: str,
        customer_id: str | None,
        order_ids: Sequence[str],
        summary: Mapping[str, int],
        done: bool,
    ) -> None:
        """Add the request, or update it when it was recorded before (a retried webhook), in `session`."""
        now = self._now()
        row = await session.scalar(
            select(PrivacyRequestRow).where(
                PrivacyRequestRow.shop == shop, PrivacyRequestRow.kind == kind, PrivacyRequestRow.key == key
            )
        )
        if row is None:
            row = PrivacyRequestRow(id=str(uuid.uuid4()), shop=shop, kind=kind, key=key, received_at=now)
            session.add(row)
        row.customer_id = customer_id
        row.order_ids = json.dumps(sorted(order_ids))
        row.summary = json.dumps(dict(summary), sort_keys=True)
        row.done_at = now if done else None

    async def listed(self, *, shop: str | None = None, kind: str | None = None) -> list[PrivacyRequest]:
        """The requests, newest first."""
        query = select(PrivacyRequestRow).order_by(PrivacyRequestRow.received_at.desc())
        if shop is not None:
            query = query.where(PrivacyRequestRow.shop == shop)
        if kind is not None:
            query = query.where(PrivacyRequestRow.kind == kind)
        async with self._sessions() as session:
            return [_request(row) for row in (await session.scalars(query)).all()]

    async def data_request(self, shop: str, request_id: str) -> PrivacyRequest | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(PrivacyRequestRow).where(
                    PrivacyRequestRow.shop == shop,
                    PrivacyRequestRow.kind == DATA_REQUEST,
                    PrivacyRequestRow.key == request_id,
                )
            )
            return None if row is None else _request(row)

    async def mark_exported(self, request_id: str) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(PrivacyRequestRow, request_id)
            if row is not None:
                row.exported_at = self._now()


def _request(row: PrivacyRequestRow) -> PrivacyRequest:
    return PrivacyRequest(
        id=row.id,
        shop=row.shop,
        kind=row.kind,
        key=row.key,
        customer_id=row.customer_id,
        order_ids=tuple(json.loads(row.order_ids)),
        received_at=as_utc(row.received_at),
        done_at=None if row.done_at is None else as_utc(row.done_at),
        summary=json.loads(row.summary),
        exported_at=None if row.exported_at is None else as_utc(row.exported_at),
    )


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()
