"""The inventory view: `available` per (store, location, inventory item), with its SKU, age and source.

One row per (store, location, inventory item). A row comes from a read of the store's Admin API
(`source = "read"`, by the API's live reads and the periodic re-reads) or from an
`inventory_levels/update` webhook (`source = "webhook"`). A webhook names only ids, so its SKU
and location name come from the rows the view already has: an item the view has never read is
not added by a webhook (the view holds the SKUs someone asked for). A figure never replaces a
newer one (`read_at`), since webhooks arrive late and out of order and a re-read can overlap one.
Nothing here talks to Shopify; the engine never decides on these figures (it reads at decision time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import DateTime, Index, Integer, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from adapters.store.clock import as_utc
from adapters.store.tables import Base

Source = Literal["webhook", "read"]


class InventoryViewRow(Base):
    __tablename__ = "inventory_view"

    store: Mapped[str] = mapped_column(String(255), primary_key=True)
    location_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    inventory_item_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    location_name: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str] = mapped_column(String(255))
    available: Mapped[int] = mapped_column(Integer)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_inventory_view_sku", "store", "sku"),)


@dataclass(frozen=True, slots=True)
class ViewFigure:
    """One figure of the view: `available` of a SKU's item at a location, as of `read_at`."""

    store: str
    location_id: str
    location_name: str
    sku: str
    inventory_item_id: str
    available: int
    read_at: datetime
    source: Source


@dataclass(frozen=True, slots=True)
class LevelUpdate:
    """What an `inventory_levels/update` webhook says, ids as GIDs."""

    inventory_item_id: str
    location_id: str
    available: int
    updated_at: datetime


class InventoryView:
    """The inventory view in SQL."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def figures(self, store: str, skus: Sequence[str]) -> list[ViewFigure]:
        """The view's figures of `skus` in `store` (a SKU never read has none)."""
        if not skus:
            return []
        async with self._sessions() as session:
            rows = await session.scalars(
                select(InventoryViewRow)
                .where(InventoryViewRow.store == store, InventoryViewRow.sku.in_(list(skus)))
                .order_by(InventoryViewRow.sku, InventoryViewRow.location_name, InventoryViewRow.location_id)
            )
            return [_figure(row) for row in rows]

    async def skus(self, store: str) -> list[str]:
        """Every SKU the view holds for `store`, sorted (what the periodic re-read reads)."""
        async with self._sessions() as session:
            found = await session.scalars(
                select(InventoryViewRow.sku).where(InventoryViewRow.store == store).distinct()
            )
            return sorted(found)

    async def record_read(self, store: str, skus: Sequence[str], figures: Sequence[ViewFigure]) -> None:
        """Keep a read of `skus` in `store`: its figures replace older ones, and the older figures of
        these SKUs that the read no longer has (a level removed, an item renamed) are dropped."""
        if not skus:
            return
        read_at = min((f.read_at for f in figures), default=None)
        async with self._sessions.begin() as session:
            older = delete(InventoryViewRow).where(
                InventoryViewRow.store == store, InventoryViewRow.sku.in_(list(skus))
            )
            if read_at is not None:  # a webhook newer than the read stands
                older = older.where(InventoryViewRow.read_at < read_at)
            await session.execute(older)
            if figures:
                await _upsert_newer(session, [_row(f) for f in figures])

    async def record_level(self, store: str, update: LevelUpdate) -> ViewFigure | None:
        """Apply a webhook's level: the figure kept, or None when the view has not read its item (or
        knows no name for its location yet: the next re-read adds it)."""
        async with self._sessions.begin() as session:
            sku = await session.scalar(
                select(InventoryViewRow.sku)
                .where(
                    InventoryViewRow.store == store,
                    InventoryViewRow.inventory_item_id == update.inventory_item_id,
                )
                .limit(1)
            )
            name = await session.scalar(
                select(InventoryViewRow.location_name)
                .where(InventoryViewRow.store == store, InventoryViewRow.location_id == update.location_id)
                .limit(1)
            )
            if sku is None or name is None:
                return None
            figure = ViewFigure(
                store=store,
                location_id=update.location_id,
                location_name=name,
                sku=sku,
                inventory_item_id=update.inventory_item_id,
                available=update.available,
                read_at=update.updated_at,
                source="webhook",
            )
            await _upsert_newer(session, [_row(figure)])
            return figure


async def _upsert_newer(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    # Both dialects spell "insert or update" the same way; the WHERE keeps a newer figure standing.
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(
        InventoryViewRow
    )
    columns = ("location_name", "sku", "available", "read_at", "source")
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["store", "location_id", "inventory_item_id"],
            set_={name: insert.excluded[name] for name in columns},
            where=InventoryViewRow.read_at <= insert.excluded.read_at,
        ),
        rows,
    )


def _row(figure: ViewFigure) -> dict[str, object]:
    return {
        "store": figure.store,
        "location_id": figure.location_id,
        "inventory_item_id": figure.inventory_item_id,
        "location_name": figure.location_name,
        "sku": figure.sku,
        "available": figure.available,
        "read_at": figure.read_at,
        "source": figure.source,
    }


def _figure(row: InventoryViewRow) -> ViewFigure:
    source: Source = "webhook" if row.source == "webhook" else "read"
    return ViewFigure(
        store=row.store,
        location_id=row.location_id,
        location_name=row.location_name,
        sku=row.sku,
        inventory_item_id=row.inventory_item_id,
        available=row.available,
        read_at=as_utc(row.read_at),
        source=source,
    )
