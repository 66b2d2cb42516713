"""Vendor stock into Shopify: a baseline, then only boundary crossings, and reconciliation that corrects
drift; run against the emulator over loopback HTTP and the real SQL store (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.edi.inventory_advice import read_inventory_csv
from adapters.emulator.server import EmulatorServer
from adapters.store.vendor_stock import VendorStockBook
from tests.vendors.stock_world import (
    SHOP,
    T0,
    Clock,
    RecordingGateway,
    advice,
    available,
    drift,
    engine,
    the_846_fixture,
)


async def test_the_first_advice_writes_every_sku_as_the_baseline(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    stock = engine(sessions, gateway, clock)

    report = await stock.apply_advice("acme", the_846_fixture(), reference="846-000000400")

    # The 846 names SHOP-AX100 by our SKU and AX-200 by the vendor's item, mapped back to SHOP-AX200.
    assert report.store(SHOP).written == {"SHOP-AX100": 120, "SHOP-AX200": 12}
    assert report.errors == () and report.store(SHOP).skipped == ()
    assert (await available(emulator, "SHOP-AX100"), await available(emulator, "SHOP-AX200")) == (120, 12)


async def test_a_change_inside_a_band_writes_nothing_but_is_remembered(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    stock = engine(sessions, gateway, clock)
    await stock.apply_advice("acme", advice(SHOP_AX100=120, SHOP_AX200=12), reference="feed-1.csv")
    writes = len(gateway.keys)

    report = await stock.apply_advice("acme", advice(SHOP_AX100=90, SHOP_AX200=7), reference="feed-2.csv")

    assert report.store(SHOP).written == {} and report.store(SHOP).skipped == ("SHOP-AX100", "SHOP-AX200")
    assert len(gateway.keys) == writes  # not a single API call spent
    assert await available(emulator, "SHOP-AX100") == 120
    figures = await VendorStockBook(sessions).figures("acme", SHOP)
    assert (figures["SHOP-AX100"].reported, figures["SHOP-AX100"].written) == (90, 120)


async def test_a_crossing_writes_that_sku_only(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    stock = engine(sessions, gateway, clock)
    await stock.apply_advice("acme", advice(SHOP_AX100=120, SHOP_AX200=12), reference="feed-1.csv")

    feed = read_inventory_csv("sku,quantity\nSHOP-AX100,110\nSHOP-AX200,0\n")
    report = await stock.apply_advice("acme", feed, reference="feed-2.csv")

    assert report.store(SHOP).written == {"SHOP-AX200": 0} and report.store(SHOP).skipped == ("SHOP-AX100",)
    assert (await available(emulator, "SHOP-AX100"), await available(emulator, "SHOP-AX200")) == (120, 0)


async def test_the_boundary_is_measured_from_the_figure_last_written_not_the_last_report(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    stock = engine(sessions, gateway, clock)
    await stock.apply_advice("acme", advice(SHOP_AX100=6), reference="feed-1.csv")
    await stock.apply_advice("acme", advice(SHOP_AX100=20), reference="feed-2.csv")  # same band as 6

    report = await stock.apply_advice("acme", advice(SHOP_AX100=21), reference="feed-3.csv")

    assert report.store(SHOP).written == {"SHOP-AX100": 21}
    assert await available(emulator, "SHOP-AX100") == 21


async def test_reconciliation_corrects_drift_made_behind_our_back(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    stock = engine(sessions, gateway, clock)
    await stock.apply_advice("acme", advice(SHOP_AX100=120, SHOP_AX200=12), reference="feed-1.csv")
    await stock.apply_advice("acme", advice(SHOP_AX100=100), reference="feed-2.csv")  # inside the band
    drift(emulator, "SHOP-AX100", 3)
    drift(emulator, "SHOP-AX200", 40)

    report = await stock.reconcile("acme")

    assert report.store(SHOP).written == {"SHOP-AX100": 100, "SHOP-AX200": 12}
    assert (await available(emulator, "SHOP-AX100"), await available(emulator, "SHOP-AX200")) == (100, 12)
    assert await VendorStockBook(sessions).last_reconciled() == {"acme": T0}


async def test_reconciliations_come_every_reconcile_minutes_and_a_restart_does_not_reset_the_interval(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    stock = engine(sessions, gateway, clock)
    await stock.apply_advice("acme", advice(SHOP_AX100=120), reference="feed-1.csv")
    assert await stock.reconcile_due() == []  # the vendor's clock starts now
    drift(emulator, "SHOP-AX100", 0)

    clock.now = T0 + timedelta(minutes=59)
    assert await stock.reconcile_due() == []
    clock.now = T0 + timedelta(minutes=60)
    [report] = await engine(sessions, gateway, clock).reconcile_due()  # after a restart

    assert report.occasion == f"reconciliation {(T0 + timedelta(minutes=60)).isoformat()}"
    assert await available(emulator, "SHOP-AX100") == 120
    clock.now = T0 + timedelta(minutes=119)
    assert await engine(sessions, gateway, clock).reconcile_due() == []


async def test_a_restart_keeps_the_last_written_figures(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    await engine(sessions, gateway, clock).apply_advice(
        "acme", advice(SHOP_AX100=120), reference="feed-1.csv"
    )

    restarted = engine(sessions, gateway, clock)
    inside = await restarted.apply_advice("acme", advice(SHOP_AX100=30), reference="feed-2.csv")
    across = await restarted.apply_advice("acme", advice(SHOP_AX100=20), reference="feed-3.csv")

    assert inside.store(SHOP).written == {}  # no second baseline
    assert across.store(SHOP).written == {"SHOP-AX100": 20}
