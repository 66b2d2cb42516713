"""The vendor stock book: what each vendor reported per store SKU, and what we last wrote to Shopify.

One row per (vendor, store, SKU): `reported` is the latest figure the vendor sent, `written` the
figure Shopify last took at the vendor's location in that store (None until one was written).
The boundary rule compares a new report with `written`, never with the previous report, so a
SKU drifting slowly across a boundary is still written. A second table keeps when each vendor's
stock was last reconciled, so the interval survives restarts. Nothing here talks to Shopify.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.clock import Clock, as_utc, utc_now
from adapters.store.tables import Base, VendorStockReconciliationRow, VendorStockRow


@dataclass(frozen=True, slots=True)
class StockFigure:
    """One SKU of one vendor in one store: the latest report, and the figure Shopify last took."""

    sku: str
    reported: int
    reported_at: datetime
    written: int | None
    written_at: datetime | None


class VendorStockBook:
    """Reported and written vendor stock, and reconciliation times, in SQL."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = clock

    async def figures(self, vendor_id: str, store: str) -> dict[str, StockFigure]:
        """Every SKU the vendor reported for the store, by SKU."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(VendorStockRow).where(
                    VendorStockRow.vendor_id == vendor_id, VendorStockRow.store == store
                )
            )
            return {
                row.sku: StockFigure(
                    sku=row.sku,
                    reported=row.reported,
                    reported_at=as_utc(row.reported_at),
                    written=row.written,
                    written_at=as_utc(row.written_at) if row.written_at else None,
                )
                for row in rows
            }

    async def record_reported(self, vendor_id: str, store: str, quantities: Mapping[str, int]) -> None:
        """Remember the vendor's latest figures (SKUs not named keep theirs; `written` is untouched)."""
        if not quantities:
            return
        now = self._now()
        rows = [
            {
                "vendor_id": vendor_id,
                "store": store,
                "sku": sku,
                "reported": quantity,
                "reported_at": now,
                "written": None,
                "written_at": None,
            }
            for sku, quantity in sorted(quantities.items())
        ]
        async with self._sessions.begin() as session:
            insert = _upsert(session, VendorStockRow)
            await session.execute(
                insert.on_conflict_do_update(
                    index_elements=["vendor_id", "store", "sku"],
                    set_={"reported": insert.excluded.reported, "reported_at": insert.excluded.reported_at},
                ),
                rows,
            )

    async def record_written(self, vendor_id: str, store: str, quantities: Mapping[str, int]) -> None:
        """Remember the figures Shopify took; only SKUs already reported have a row to update."""
        if not quantities:
            return
        now = self._now()
        async with self._sessions.begin() as session:
            for sku, quantity in sorted(quantities.items()):
                await session.execute(
                    update(VendorStockRow)
                    .where(
                        VendorStockRow.vendor_id == vendor_id,
                        VendorStockRow.store == store,
                        VendorStockRow.sku == sku,
                    )
                    .values(written=quantity, written_at=now)
                )

    async def last_reconciled(self) -> dict[str, datetime]:
        """When each vendor's stock was last reconciled (vendors never reconciled are absent)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(VendorStockReconciliationRow.vendor_id, VendorStockReconciliationRow.last_at)
            )
            return {vendor_id: as_utc(last_at) for vendor_id, last_at in rows.all()}

    async def mark_reconciled(self, vendor_id: str, at: datetime) -> None:
        """Record that the vendor's stock was reconciled at `at`."""
        async with self._sessions.begin() as session:
            insert = _upsert(session, VendorStockReconciliationRow)
            await session.execute(
                insert.values(vendor_id=vendor_id, last_at=at).on_conflict_do_update(
                    index_elements=["vendor_id"], set_={"last_at": insert.excluded.last_at}
                )
            )


def _upsert(session: AsyncSession, table: type[Base]) -> postgresql.Insert | sqlite.Insert:
    # Both dialects spell "insert or update" the same way (ON CONFLICT ... DO UPDATE).
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
