"""Every X12 document exchanged with a vendor, in and out, kept with its raw text.

An inbound interchange is recognised as a duplicate by (vendor, direction, ISA13): the first
arrival holds the number; a resent copy is still kept (nothing is dropped), as a `duplicate` row
without a control number whose detail names the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.clock import Clock, as_utc, utc_now
from adapters.store.edi_counters import ControlNumbers, next_control_numbers
from adapters.store.edi_transitions import joined
from adapters.store.tables import EdiDocumentRow, PurchaseOrderRow

Direction = Literal["in", "out"]
DocumentOutcome = Literal["accepted", "rejected", "duplicate", "unreadable", "failed"]
InboundResult = Literal["new", "duplicate"]


@dataclass(frozen=True, slots=True)
class EdiDocument:
    id: int
    vendor_id: str
    direction: Direction
    set_code: str | None
    interchange_control: int | None
    po_id: str | None
    at: datetime
    raw: str
    outcome: DocumentOutcome
    detail: str | None


class DocumentLedger:
    """The documents exchanged with vendors, and the control numbers of those we send."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = clock

    async def next_control_numbers(self, vendor_id: str) -> ControlNumbers:
        """Take control numbers for another outbound interchange to a vendor (a 997, an 860)."""
        async with self._sessions.begin() as session:
            return await next_control_numbers(session, vendor_id)

    async def record_outbound(
        self,
        vendor_id: str,
        *,
        set_code: str,
        interchange_control: int,
        raw: str,
        po_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Keep a document we sent other than an 850 (a 997, an 860), under its interchange number."""
        async with self._sessions.begin() as session:
            await insert_document(
                session,
                vendor_id=vendor_id,
                direction="out",
                set_code=set_code,
                interchange_control=interchange_control,
                po_id=po_id,
                at=self._now(),
                raw=raw,
                outcome="accepted",
                detail=detail,
            )

    async def record_inbound(
        self,
        vendor_id: str,
        interchange_control: int | None,
        set_code: str | None,
        raw: str,
        po_number: str | None = None,
        *,
        outcome: DocumentOutcome = "accepted",
        detail: str | None = None,
    ) -> InboundResult:
        """Keep a document a vendor sent; "duplicate" when its interchange number was seen before.

        `outcome` is what became of it: `accepted`, `rejected` (it failed the vendor's checks) or
        `unreadable` (then `interchange_control` and `set_code` may be None). A duplicate is kept too,
        as a `duplicate` row naming the first arrival. The PO is found by `po_number`; an unknown
        number is said in `detail`.
        """
        now = self._now()
        async with self._sessions.begin() as session:
            po_id = None
            if po_number is not None:
                po_id = await session.scalar(
                    select(PurchaseOrderRow.id).where(
                        PurchaseOrderRow.vendor_id == vendor_id, PurchaseOrderRow.po_number == po_number
                    )
                )
                if po_id is None:
                    detail = joined(detail, f"no purchase order {po_number} of {vendor_id}")
            inserted = await insert_document(
                session,
                vendor_id=vendor_id,
                direction="in",
                set_code=set_code,
                interchange_control=interchange_control,
                po_id=po_id,
                at=now,
                raw=raw,
                outcome=outcome,
                detail=detail,
            )
            if inserted is not None:
                return "new"
            assert interchange_control is not None  # a NULL number never collides
            first = await first_with_number(session, vendor_id, "in", interchange_control)
            said = f"interchange {interchange_control} was received before, as document {first and first.id}"
            await insert_document(
                session,
                vendor_id=vendor_id,
                direction="in",
                set_code=set_code,
                interchange_control=None,  # the first arrival holds the number
                po_id=po_id,
                at=now,
                raw=raw,
                outcome="duplicate",
                detail=joined(said, detail),
            )
            return "duplicate"

    async def release_inbound(self, vendor_id: str, interchange_control: int, why: str) -> None:
        """Acting on an inbound interchange failed (Shopify away, the PO still being recorded): keep
        the document as `failed` and free its number, so that the vendor's retry is acted on."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(EdiDocumentRow)
                .where(
                    EdiDocumentRow.vendor_id == vendor_id,
                    EdiDocumentRow.direction == "in",
                    EdiDocumentRow.interchange_control == interchange_control,
                )
                .values(interchange_control=None, outcome="failed", detail=why[:2000])
            )

    async def recent_documents(
        self, *, vendor_id: str | None = None, outcomes: Sequence[str] = (), limit: int = 50
    ) -> list[EdiDocument]:
        """The newest documents in and out (of a vendor; with one of `outcomes`), newest first."""
        query = select(EdiDocumentRow)
        if vendor_id is not None:
            query = query.where(EdiDocumentRow.vendor_id == vendor_id)
        if outcomes:
            query = query.where(EdiDocumentRow.outcome.in_(list(outcomes)))
        async with self._sessions() as session:
            rows = await session.scalars(query.order_by(EdiDocumentRow.id.desc()).limit(limit))
            return [stored_document(row) for row in rows]

    async def documents(self, po_id: str) -> list[EdiDocument]:
        """The PO's documents in and out (raw text included), in the order they were recorded."""
        async with self._sessions() as session:
            return await documents_of(session, po_id)


async def insert_document(
    session: AsyncSession,
    *,
    vendor_id: str,
    direction: Direction,
    set_code: str | None,
    interchange_control: int | None,
    po_id: str | None,
    at: datetime,
    raw: str,
    outcome: DocumentOutcome,
    detail: str | None,
) -> int | None:
    """Insert a document; None (and nothing written) when its interchange number is already taken."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(EdiDocumentRow)
        .values(
            vendor_id=vendor_id,
            direction=direction,
            set_code=set_code,
            interchange_control=interchange_control,
            po_id=po_id,
            at=at,
            raw=raw,
            outcome=outcome,
            detail=detail,
        )
        .on_conflict_do_nothing(index_elements=["vendor_id", "direction", "interchange_control"])
        .returning(EdiDocumentRow.id)
    )
    inserted = (await session.execute(statement)).scalar()
    return None if inserted is None else int(inserted)


async def first_with_number(
    session: AsyncSession, vendor_id: str, direction: Direction, interchange_control: int
) -> EdiDocument | None:
    """The document that holds an interchange number."""
    row = await session.scalar(
        select(EdiDocumentRow).where(
            EdiDocumentRow.vendor_id == vendor_id,
            EdiDocumentRow.direction == direction,
            EdiDocumentRow.interchange_control == interchange_control,
        )
    )
    return None if row is None else stored_document(row)


async def documents_of(session: AsyncSession, po_id: str) -> list[EdiDocument]:
    """A purchase order's documents, in and out, in the order they were recorded."""
    rows = await session.scalars(
        select(EdiDocumentRow)
        .where(EdiDocumentRow.po_id == po_id)
        .order_by(EdiDocumentRow.at, EdiDocumentRow.id)
    )
    return [stored_document(row) for row in rows]


def stored_document(row: EdiDocumentRow) -> EdiDocument:
    return EdiDocument(
        id=row.id,
        vendor_id=row.vendor_id,
        direction=row.direction,  # type: ignore[arg-type]
        set_code=row.set_code,
        interchange_control=row.interchange_control,
        po_id=row.po_id,
        at=as_utc(row.at),
        raw=row.raw,
        outcome=row.outcome,  # type: ignore[arg-type]
        detail=row.detail,
    )
