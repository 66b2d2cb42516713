"""The inventory view in SQL: figures by SKU, newer figures win, webhooks need what a read taught."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.inventory_view import InventoryView, LevelUpdate, ViewFigure

US = "north-wind-us.myshopify.com"
CA = "north-wind-ca.myshopify.com"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MUG = "gid://shopify/InventoryItem/11"
NEWARK = "gid://shopify/Location/1"
RENO = "gid://shopify/Location/2"


def read(location: str, name: str, available: int, at: datetime, *, sku: str = "MUG-1") -> ViewFigure:
    return ViewFigure(
        US,
        location,
        name,
        sku,
        MUG if sku == "MUG-1" else "gid://shopify/InventoryItem/12",
        available,
        at,
        "read",
    )


async def test_a_read_is_kept_by_store_and_sku(sessions: async_sessionmaker[AsyncSession]) -> None:
    view = InventoryView(sessions)
    await view.record_read(US, ["MUG-1"], [read(NEWARK, "Newark DC", 7, T0), read(RENO, "Reno DC", 0, T0)])
    figures = await view.figures(US, ["MUG-1", "LAMP-9"])
    assert [(f.location_name, f.available, f.read_at, f.source) for f in figures] == [
        ("Newark DC", 7, T0, "read"),
        ("Reno DC", 0, T0, "read"),
    ]
    assert await view.figures(CA, ["MUG-1"]) == []
    assert await view.skus(US) == ["MUG-1"]


async def test_a_webhook_updates_a_known_item_with_the_sku_and_location_name_the_view_has(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    view = InventoryView(sessions)
    await view.record_read(US, ["MUG-1"], [read(NEWARK, "Newark DC", 7, T0), read(RENO, "Reno DC", 0, T0)])
    kept = await view.record_level(US, LevelUpdate(MUG, RENO, 4, T0 + timedelta(minutes=1)))
    assert kept is not None and (kept.sku, kept.location_name, kept.available) == ("MUG-1", "Reno DC", 4)
    [reno] = [f for f in await view.figures(US, ["MUG-1"]) if f.location_id == RENO]
    assert (reno.available, reno.source, reno.read_at) == (4, "webhook", T0 + timedelta(minutes=1))


async def test_a_webhook_older_than_the_figure_changes_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    view = InventoryView(sessions)
    await view.record_read(US, ["MUG-1"], [read(NEWARK, "Newark DC", 7, T0)])
    await view.record_level(US, LevelUpdate(MUG, NEWARK, 1, T0 - timedelta(seconds=5)))
    [newark] = await view.figures(US, ["MUG-1"])
    assert (newark.available, newark.source, newark.read_at) == (7, "read", T0)


async def test_a_webhook_for_an_item_or_location_never_read_is_not_added(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    view = InventoryView(sessions)
    await view.record_read(US, ["MUG-1"], [read(NEWARK, "Newark DC", 7, T0)])
    unknown_item = LevelUpdate("gid://shopify/InventoryItem/99", NEWARK, 3, T0 + timedelta(minutes=1))
    unknown_location = LevelUpdate(MUG, "gid://shopify/Location/77", 3, T0 + timedelta(minutes=1))
    assert await view.record_level(US, unknown_item) is None
    assert await view.record_level(US, unknown_location) is None
    assert [f.location_id for f in await view.figures(US, ["MUG-1"])] == [NEWARK]


async def test_a_re_read_replaces_older_figures_drops_levels_gone_and_keeps_a_newer_webhook(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    view = InventoryView(sessions)
    await view.record_read(US, ["MUG-1"], [read(NEWARK, "Newark DC", 7, T0), read(RENO, "Reno DC", 0, T0)])
    later = T0 + timedelta(minutes=10)
    await view.record_level(US, LevelUpdate(MUG, NEWARK, 2, later + timedelta(seconds=1)))
    # The re-read started before the webhook's change, and Reno no longer stocks the mug.
    await view.record_read(US, ["MUG-1"], [read(NEWARK, "Newark DC", 3, later)])
    assert [(f.location_name, f.available, f.source) for f in await view.figures(US, ["MUG-1"])] == [
        ("Newark DC", 2, "webhook")
    ]


async def test_a_re_read_that_finds_no_item_for_a_sku_empties_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    view = InventoryView(sessions)
    await view.record_read(US, ["MUG-1"], [read(NEWARK, "Newark DC", 7, T0)])
    await view.record_read(US, ["MUG-1"], [])
    assert await view.figures(US, ["MUG-1"]) == []
    assert await view.skus(US) == []
