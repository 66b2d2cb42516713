"""The API under test: a Starlette app assembled from `api_routes`, on a real database.

Stores: US and EU. Tokens (fixtures/api/tokens/coordinator_eu_reader_and_handoffs_only.toml):
`coordinator` (every scope, every store), `eu-only` (every scope, the EU store only),
`handoffs-only` (handoffs:read only) and `inventory-only` (inventory:read only).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from adapters.api import ApiContext, api_routes, load_tokens
from engine.model import FulfillmentOrder, Location, Order, Snapshot
from tests.api.fakes import FakeInventory, FakeOrders
from tests.shopify.conftest import admin_schema
from tests.store.conftest import database_url, sessions

# The store's fixtures (SQLite and PostgreSQL) and the Admin schema, shared with those suites.
__all__ = ["admin_schema", "database_url", "sessions"]

REPO = Path(__file__).resolve().parents[2]
TOKENS_DIR = REPO / "fixtures" / "api" / "tokens"
US = "north-wind-us.myshopify.com"
EU = "north-wind-eu.myshopify.com"
NOW = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)

COORDINATOR = "coordinator-test-token-0123456789abcdef"
EU_ONLY = "eu-only-test-token-0123456789abcdef0123"
HANDOFFS_ONLY = "handoffs-only-test-token-0123456789abcd"
INVENTORY_ONLY = "inventory-only-test-token-0123456789abc"
WRONG = "not-a-configured-token-0123456789abcdef"

US_ORDER = "gid://shopify/Order/5001"
US_FO = "gid://shopify/FulfillmentOrder/7001"
EU_ORDER = "gid://shopify/Order/6001"
EU_FO = "gid://shopify/FulfillmentOrder/8001"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def order_snapshot(store: str, order_id: str, fo_id: str, *, status: str = "OPEN") -> Snapshot:
    return Snapshot(
        store=store,
        order=Order(id=order_id, name="#" + order_id.rsplit("/", 1)[1]),
        fulfillment_orders=(
            FulfillmentOrder(id=fo_id, status=status, assigned_location_id="gid://shopify/Location/1"),
        ),
        locations=(Location(id="gid://shopify/Location/1", name="Newark DC", store=store),),
    )


@dataclass
class Api:
    client: httpx.AsyncClient
    context: ApiContext
    orders: dict[str, FakeOrders]
    inventory: dict[str, FakeInventory]
    notified: list[int]


@pytest.fixture
async def api(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Api]:
    """The API over US and EU fakes, a real database, and the tokens fixture."""
    orders = {
        US: FakeOrders(order_snapshot(US, US_ORDER, US_FO)),
        EU: FakeOrders(order_snapshot(EU, EU_ORDER, EU_FO)),
    }
    inventory = {
        US: FakeInventory(
            [
                ("MUG-1", "gid://shopify/InventoryItem/11", "gid://shopify/Location/1", "Newark DC", 7),
                ("MUG-1", "gid://shopify/InventoryItem/11", "gid://shopify/Location/2", "Reno DC", 0),
            ],
            read_at=NOW,
        ),
        EU: FakeInventory(
            [("MUG-1", "gid://shopify/InventoryItem/91", "gid://shopify/Location/9", "Rotterdam", 3)],
            read_at=NOW,
        ),
    }
    notified: list[int] = []
    context = ApiContext(
        sessions=sessions,
        tokens=load_tokens(
            TOKENS_DIR / "coordinator_eu_reader_and_handoffs_only.toml", known_stores=[US, EU]
        ),
        orders=orders,
        inventory=inventory,
        notify=lambda: notified.append(1),
        clock=lambda: NOW,
    )
    app = Starlette(routes=[api_routes(context)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as client:
        yield Api(client, context, orders, inventory, notified)
