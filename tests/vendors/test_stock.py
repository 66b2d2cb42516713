"""Vendor stock into Shopify: a baseline, then only boundary crossings, and reconciliation that corrects
drift; run against the emulator over loopback HTTP and the real SQL store (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.edi.interchange import read_interchanges
from adapters.edi.inventory_advice import InventoryAdvice, read_846, read_inventory_csv
from adapters.emulator.scenario import parse_scenario
from adapters.emulator.server import EmulatorServer
from adapters.shopify.client import ShopifyClient
from adapters.shopify.gateway import ShopifyGateway
from adapters.shopify.inventory_writes import SetQuantitiesResult
from adapters.store.vendor_stock import VendorStockBook
from adapters.vendors.config import VendorConfig
from adapters.vendors.stock import (
    UnknownVendor,
    VendorStock,
    idempotency_key,
    reference_uri,
    store_quantities,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "edi"
SHOP = "north-wind-us.myshopify.com"
ELSEWHERE = "north-wind-eu.myshopify.com"  # named by the vendor, but no store of ours
TOKEN = "shpat_north_wind"
DROP_SHIP = "Acme Drop-ship"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def north_wind(api_version: str) -> Any:
    def location(name: str) -> dict[str, Any]:
        return {"name": name, "address": {"country_code": "US", "province_code": "NJ", "city": name}}

    def product(sku: str, stock: dict[str, int]) -> dict[str, Any]:
        return {"sku": sku, "title": sku.title(), "stock": stock}

    return parse_scenario(
        {
            "stores": [
                {
                    "domain": SHOP,
                    "name": "North Wind",
                    "access_token": TOKEN,
                    "client_secret": "north-wind-secret",
                    "api_version": api_version,
                    "native_routing": ["Warehouse", DROP_SHIP],
                    "locations": [location("Warehouse"), location(DROP_SHIP)],
                    "products": [
                        product("SHOP-AX100", {"Warehouse": 4, DROP_SHIP: 0}),
                        product("SHOP-AX200", {DROP_SHIP: 0}),
                        product("NW-TENT-2P", {DROP_SHIP: 0}),
                        product("NW-WAREHOUSE-ONLY", {"Warehouse": 3}),
                    ],
                }
            ]
        }
    )


def acme(*, stores: tuple[str, ...] = (SHOP,), reconcile_minutes: int = 60) -> VendorConfig:
    return VendorConfig.model_validate(
        {
            "id": "acme",
            "name": "Acme Supply",
            "isa_qualifier": "ZZ",
            "isa_id": "DSVWEST",
            "gs_code": "DSVWEST",
            "our_isa_qualifier": "ZZ",
            "our_isa_id": "ROUTING",
            "our_gs_code": "ROUTING",
            "locations": {store: DROP_SHIP for store in stores},
            "sku_map": {"SHOP-AX200": "AX-200", "NW-TENT-2P": "ACM-77120"},
            "transport": {"kind": "http", "url": "http://127.0.0.1:9/edi"},
            "inbound_token": "acme-inbound-token-0123456789",
            "inventory": {"boundaries": [0, 5, 20], "reconcile_minutes": reconcile_minutes},
        }
    )


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


class RecordingGateway(ShopifyGateway):
    """The real gateway, noting each inventory write's key; `crash_after_write` makes the next
    write raise once Shopify has taken it, as a process dying before it records the write would."""

    def __init__(self, client: ShopifyClient) -> None:
        super().__init__(client)
        self.keys: list[str] = []
        self.crash_after_write = False

    async def set_available(
        self,
        location_id: str,
        quantities: Mapping[str, int],
        idempotency_key: str,
        reference: str,
        change_from: Mapping[str, int] | None = None,
    ) -> SetQuantitiesResult:
        self.keys.append(idempotency_key)
        result = await super().set_available(location_id, quantities, idempotency_key, reference, change_from)
        if self.crash_after_write:
            self.crash_after_write = False
            raise RuntimeError("the process died before recording the write")
        return result


@pytest.fixture(params=["2026-01", "2026-04"])
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(north_wind(request.param)) as running:
        yield running


@pytest.fixture
async def gateway(emulator: EmulatorServer) -> AsyncIterator[RecordingGateway]:
    async with httpx.AsyncClient(timeout=10) as http:
        client = ShopifyClient(
            http, shop_domain=SHOP, admin_api_url=emulator.admin_api_url(SHOP), access_token=SecretStr(TOKEN)
        )
        yield RecordingGateway(client)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def engine(
    sessions: async_sessionmaker[AsyncSession],
    gateway: RecordingGateway,
    clock: Clock,
    vendor: VendorConfig | None = None,
) -> VendorStock:
    """A VendorStock as the app builds one (a new one over the same database is a restart)."""
    return VendorStock(
        VendorStockBook(sessions, clock=clock),
        {SHOP: gateway},
        [vendor or acme()],
        locations={SHOP: gateway.locations},
        clock=clock,
    )


async def available(emulator: EmulatorServer, sku: str) -> int:
    """The vendor location's `available`, read back through the emulator's control API."""
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(
            f"{emulator.base_url}/_emulator/stores/{SHOP}/inventory", params={"sku": sku}
        )
    [row] = [row for row in response.json() if row["location"] == DROP_SHIP]
    return int(row["available"])


def drift(emulator: EmulatorServer, sku: str, quantity: int) -> None:
    """Someone changes the vendor location's stock in Shopify behind our back."""
    store = emulator.state.stores[SHOP]
    item = store.inventory.item_by_sku(sku)
    location = store.location_by_name(DROP_SHIP)
    assert item is not None and location is not None
    level = store.inventory.level(item.id, location.id)
    assert level is not None
    level.available = quantity


def advice(**items: int) -> InventoryAdvice:
    return InventoryAdvice({sku.replace("_", "-"): quantity for sku, quantity in items.items()}, as_of=None)


def the_846_fixture() -> InventoryAdvice:
    [interchange] = read_interchanges((FIXTURES / "846-available-and-by-location.edi").read_text())
    return read_846(interchange.groups[0].sets[0])


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
