"""Checked status changes of a purchase order, each inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.store.edi_records import PurchaseOrderStatus, Transition, UnknownPurchaseOrder
from adapters.store.tables import PurchaseOrderRow


async def lock(session: AsyncSession, po_id: str) -> PurchaseOrderRow:
    """The PO's row, locked until the transaction ends.

    A no-op write comes first: on PostgreSQL it takes the row lock, on SQLite the database's write
    lock, so the status read next cannot change before this transaction writes.
    """
    touched = await session.execute(
        update(PurchaseOrderRow)
        .where(PurchaseOrderRow.id == po_id)
        .values(status=PurchaseOrderRow.status)
        .execution_options(synchronize_session=False)
    )
    if touched.rowcount == 0:  # type: ignore[attr-defined]
        raise UnknownPurchaseOrder(f"no purchase order {po_id}; it was never opened in this database")
    row = await session.get(PurchaseOrderRow, po_id, populate_existing=True)
    assert row is not None
    return row


async def move(
    session: AsyncSession,
    row: PurchaseOrderRow,
    allowed: Collection[str],
    status: PurchaseOrderStatus,
    changes: dict[str, Any],
    what: str,
    at: datetime,
    detail: str | None = None,
) -> Transition:
    """Change the PO's status to `status` with `changes` if its status is one of `allowed`; else
    change nothing but a note in its detail saying what arrived (`what`, at `at`) and was not applied."""
    previous = status_of(row)
    if previous not in allowed:
        note = f"{at:%Y-%m-%d %H:%M} UTC: {what} not applied: the purchase order was already {previous}"
        await set_values(session, row.id, detail=joined(row.detail, joined(note, detail)))
        return Transition(applied=False, previous=previous, status=previous)
    await set_values(session, row.id, status=status, detail=joined(row.detail, detail), **changes)
    return Transition(applied=True, previous=previous, status=status)


async def set_values(session: AsyncSession, po_id: str, **values: Any) -> None:
    """Write columns of a PO row (the ORM object in the session is not refreshed)."""
    await session.execute(
        update(PurchaseOrderRow)
        .where(PurchaseOrderRow.id == po_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def status_of(row: PurchaseOrderRow) -> PurchaseOrderStatus:
    """The row's status, typed."""
    return row.status  # type: ignore[return-value]


def joined(first: str | None, second: str | None) -> str | None:
    """Two notes as lines of one text (None when both are empty)."""
    return "\n".join(part for part in (first, second) if part) or None
