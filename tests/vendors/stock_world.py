"""The world of the vendor stock specs: the emulator over loopback (both API versions), a gateway
that records each write, a clock, and the vendor Acme Drop-ship stocked in store US."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.edi.interchange import read_interchanges
from adapters.edi.inventory_advice import InventoryAdvice, read_846
from adapters.emulator.scenario import parse_scenario
from adapters.emulator.server import EmulatorServer
from adapters.shopify.client import ShopifyClient
from adapters.shopify.gateway import ShopifyGateway
from adapters.shopify.inventory_writes import SetQuantitiesResult
from adapters.store.vendor_stock import VendorStockBook
from adapters.vendors.config import VendorConfig
from adapters.vendors.stock import (
    VendorStock,
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
