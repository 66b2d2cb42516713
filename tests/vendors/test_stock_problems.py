"""Vendor stock into Shopify when something is wrong: a SKU or location the store lacks, a row Shopify
refuses, a retry after a crash (the same idempotency keys), a vendor or store not configured."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.edi.inventory_advice import InventoryAdvice
from adapters.emulator.server import EmulatorServer
from adapters.store.vendor_stock import VendorStockBook
from adapters.vendors.stock import (
    UnknownVendor,
    VendorStock,
    idempotency_key,
    reference_uri,
    store_quantities,
)
from tests.vendors.stock_world import (
    DROP_SHIP,
    ELSEWHERE,
    SHOP,
    T0,
    Clock,
    RecordingGateway,
    acme,
    advice,
    available,
    drift,
    engine,
)


async def test_a_missing_sku_is_reported_and_the_rest_written(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    stock = engine(sessions, gateway, clock)

    report = await stock.apply_advice("acme", advice(SHOP_AX100=8, NOPE_1=5), reference="feed-1.csv")

    assert report.store(SHOP).missing == ("NOPE-1",) and report.store(SHOP).written == {"SHOP-AX100": 8}
    assert await available(emulator, "SHOP-AX100") == 8
    figures = await VendorStockBook(sessions).figures("acme", SHOP)
    assert figures["NOPE-1"].written is None  # tried again on the next advice or reconciliation


async def test_a_row_shopify_refuses_is_set_apart_and_the_others_written(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    stock = engine(sessions, gateway, clock)

    report = await stock.apply_advice(
        "acme", advice(SHOP_AX100=8, NW_WAREHOUSE_ONLY=5), reference="feed-1.csv"
    )

    assert report.store(SHOP).written == {"SHOP-AX100": 8}
    [error] = report.errors
    assert error.startswith(f"{SHOP}: NW-WAREHOUSE-ONLY: refused by Shopify: ITEM_NOT_STOCKED_AT_LOCATION")
    assert len(set(gateway.keys)) == 2  # the write without the refused row is a new write


async def test_a_retry_after_a_crash_reuses_the_keys_and_a_new_write_gets_new_ones(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    gateway.crash_after_write = True
    with pytest.raises(RuntimeError, match="died"):
        await engine(sessions, gateway, clock).apply_advice(
            "acme", advice(SHOP_AX100=120), reference="846-000000400"
        )
    drift(emulator, "SHOP-AX100", 7)  # a replayed write is answered, not applied again

    report = await engine(sessions, gateway, clock).apply_advice(
        "acme", advice(SHOP_AX100=120), reference="846-000000400"
    )
    assert await available(emulator, "SHOP-AX100") == 7  # Shopify replayed its answer
    await engine(sessions, gateway, clock).apply_advice(
        "acme", advice(SHOP_AX100=3), reference="846-000000401"
    )

    assert report.store(SHOP).written == {"SHOP-AX100": 120}
    assert await available(emulator, "SHOP-AX100") == 3
    first, retry, new = gateway.keys
    assert first == retry and new != first


def test_keys_are_the_same_for_the_same_write_and_differ_for_any_other() -> None:
    key = idempotency_key("acme", SHOP, "846-1", 1, {"gid://shopify/InventoryItem/1": 5})
    assert key == idempotency_key("acme", SHOP, "846-1", 1, {"gid://shopify/InventoryItem/1": 5})
    assert key.startswith("vendor-stock/acme/1/")
    others = {
        idempotency_key("acme", ELSEWHERE, "846-1", 1, {"gid://shopify/InventoryItem/1": 5}),
        idempotency_key("acme", SHOP, "846-2", 1, {"gid://shopify/InventoryItem/1": 5}),
        idempotency_key("acme", SHOP, "846-1", 2, {"gid://shopify/InventoryItem/1": 5}),
        idempotency_key("acme", SHOP, "846-1", 1, {"gid://shopify/InventoryItem/1": 6}),
        idempotency_key("globex", SHOP, "846-1", 1, {"gid://shopify/InventoryItem/1": 5}),
    }
    assert key not in others and len(others) == 5


def test_the_reference_becomes_a_uri_unless_it_is_one() -> None:
    assert reference_uri("acme", "feed 2026-11-27.csv") == (
        "gid://routing-engine/VendorStock/acme-feed%202026-11-27.csv"
    )
    assert reference_uri("acme", "gid://routing-engine/VendorFeed/1") == "gid://routing-engine/VendorFeed/1"


def test_a_vendor_item_goes_to_every_store_sku_mapped_to_it_and_our_own_sku_wins() -> None:
    vendor = acme().model_copy(update={"sku_map": {"RED": "V-1", "BLUE": "V-1", "GREEN": "V-2"}})

    quantities = store_quantities(vendor, InventoryAdvice({"V-1": 4, "V-2": 9, "GREEN": 2, "X": 1}, None))

    assert quantities == {"RED": 4, "BLUE": 4, "GREEN": 2, "X": 1}


async def test_a_store_without_a_gateway_is_reported_and_the_others_written(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    stock = engine(sessions, gateway, clock, acme(stores=(SHOP, ELSEWHERE)))

    report = await stock.apply_advice("acme", advice(SHOP_AX100=8), reference="feed-1.csv")

    assert report.store(SHOP).written == {"SHOP-AX100": 8}
    [error] = report.errors
    assert error.startswith(f"{ELSEWHERE}: the vendors file gives acme a location in {ELSEWHERE}")
    assert (await VendorStockBook(sessions).figures("acme", ELSEWHERE))["SHOP-AX100"].reported == 8


async def test_a_location_name_the_store_does_not_have_is_reported_with_the_names_it_has(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    emulator: EmulatorServer,
    clock: Clock,
) -> None:
    vendor = acme().model_copy(update={"locations": {SHOP: "Acme Dropship"}})
    stock = engine(sessions, gateway, clock, vendor)

    report = await stock.apply_advice("acme", advice(SHOP_AX100=8), reference="feed-1.csv")

    assert report.errors == (
        f"{SHOP}: {SHOP} has no location named 'Acme Dropship' (vendor acme); its locations are "
        f"{DROP_SHIP}, Warehouse. Fix the name in the vendors file or create the location in Shopify",
    )
    assert gateway.keys == []


async def test_stock_for_a_vendor_not_in_the_vendors_file_is_refused_by_name(
    sessions: async_sessionmaker[AsyncSession], gateway: RecordingGateway, clock: Clock
) -> None:
    with pytest.raises(UnknownVendor, match="'globex', which is not in the vendors file \\(acme\\)"):
        await engine(sessions, gateway, clock).apply_advice("globex", advice(A=1), reference="feed-1.csv")


async def test_the_loop_reconciles_at_once_and_stops_when_asked(
    sessions: async_sessionmaker[AsyncSession], gateway: RecordingGateway, clock: Clock
) -> None:
    rounds: list[float] = []

    async def sleep(seconds: float) -> None:
        rounds.append(seconds)
        stock.stop()

    stock = VendorStock(
        VendorStockBook(sessions, clock=clock), {SHOP: gateway}, [acme()], clock=clock, sleep=sleep
    )
    await stock.run()

    assert rounds == [60.0]
    assert await VendorStockBook(sessions).last_reconciled() == {"acme": T0}
