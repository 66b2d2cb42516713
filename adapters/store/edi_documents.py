"""Every X12 document exchanged with a vendor, in and out, kept with its raw text.

An inbound interchange is recognised as a duplicate by (vendor, direction, ISA13): the first
arrival holds the number; a resent copy is still kept (nothing is dropped), as a `duplicate` row
without a control number whose detail names the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.store.clock import as_utc
from adapters.store.tables import EdiDocumentRow

Direction = Literal["in", "out"]
DocumentOutcome = Literal["accepted", "rejected", "duplicate", "unreadable"]


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
