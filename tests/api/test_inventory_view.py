"""`GET /api/v1/inventory` over the inventory view: cached figures with their age, live reads for the
rest, kept fresh by `inventory_levels/update` webhooks and periodic re-reads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from adapters.api import ApiContext, api_routes, load_tokens
from adapters.api.cached_inventory import CachedInventory
from adapters.delivery_steps import MalformedDelivery
from adapters.inventory_keeper import InventoryKeeper, level_update
from adapters.store.inventory_view import InventoryView
from tests.api.conftest import COORDINATOR, EU, NOW, TOKENS_DIR, US, bearer
from tests.api.fakes import FakeInventory, FakeOrders

STALE_SECONDS = 600.0
MUG = "gid://shopify/InventoryItem/11"


@dataclass
class Viewed:
    client: httpx.AsyncClient
    keeper: InventoryKeeper
    stores: dict[str, FakeInventory]
    now: list[datetime]

    async def inventory(self, *skus: str) -> dict[str, Any]:
        query = "&".join(f"sku={sku}" for sku in skus)
        answer = await self.client.get(f"/api/v1/inventory?{query}", headers=bearer(COORDINATOR))
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def later(self, seconds: float) -> None:
        self.now[0] += timedelta(seconds=seconds)


@pytest.fixture
async def viewed(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Viewed]:
    stores = {
        US: FakeInventory(
            [
                ("MUG-1", MUG, "gid://shopify/Location/1", "Newark DC", 7),
                ("MUG-1", MUG, "gid://shopify/Location/2", "Reno DC", 0),
            ],
            read_at=NOW,
        ),
        EU: FakeInventory(
            [("MUG-1", "gid://shopify/InventoryItem/91", "gid://shopify/Location/9", "Rotterdam", 3)],
            read_at=NOW,
        ),
    }
    keeper = InventoryKeeper(InventoryView(sessions), stores, refresh_seconds=60)
    now = [NOW]
    context = ApiContext(
        sessions=sessions,
        tokens=load_tokens(
            TOKENS_DIR / "coordinator_eu_reader_and_handoffs_only.toml", known_stores=[US, EU]
        ),
        orders={US: FakeOrders(), EU: FakeOrders()},
        inventory={store: CachedInventory(store, keeper) for store in stores},
        clock=lambda: now[0],
        stale_seconds=STALE_SECONDS,
    )
    app = Starlette(routes=[api_routes(context)])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test"
    ) as client:
        yield Viewed(client, keeper, stores, now)


def figures(body: dict[str, Any], store: str) -> list[tuple[str, int, str, float, bool]]:
    [sku] = body["skus"]
    [entry] = [e for e in sku["stores"] if e["store"] == store]
    return [
        (f["location_name"], f["available"], f["source"], f["age_seconds"], f["stale"])
        for f in entry["locations"]
    ]


async def test_a_sku_first_asked_for_is_read_live_and_then_answered_from_the_view(viewed: Viewed) -> None:
    first = await viewed.inventory("MUG-1")
    assert figures(first, US) == [("Newark DC", 7, "live", 0.0, False), ("Reno DC", 0, "live", 0.0, False)]
    viewed.later(30)
    again = await viewed.inventory("MUG-1")
    assert figures(again, US) == [
        ("Newark DC", 7, "cache", 30.0, False),
        ("Reno DC", 0, "cache", 30.0, False),
    ]
    assert figures(again, EU) == [("Rotterdam", 3, "cache", 30.0, False)]
    assert viewed.stores[US].asked == [["MUG-1"]], "the second answer read nothing from Shopify"


async def test_a_cached_figure_older_than_the_stale_age_is_marked_stale(viewed: Viewed) -> None:
    await viewed.inventory("MUG-1")
    viewed.later(STALE_SECONDS + 1)
    assert figures(await viewed.inventory("MUG-1"), EU) == [
        ("Rotterdam", 3, "cache", STALE_SECONDS + 1, True)
    ]


async def test_an_inventory_levels_update_webhook_changes_the_cached_figure(viewed: Viewed) -> None:
    await viewed.inventory("MUG-1")
    payload = {
        "inventory_item_id": 11,
        "location_id": 2,
        "available": 5,
        "updated_at": (NOW + timedelta(seconds=20)).isoformat(),
        "admin_graphql_api_id": "gid://shopify/InventoryLevel/2?inventory_item_id=11",
    }
    said = await viewed.keeper.topic_handlers["inventory_levels/update"](US, payload)
    assert said == "inventory_levels/update: MUG-1 at Reno DC is 5 (or newer)"
    viewed.later(50)
    assert figures(await viewed.inventory("MUG-1"), US) == [
        ("Newark DC", 7, "cache", 50.0, False),
        # Stamped to the second (as Shopify does): as of the end of that second.
        ("Reno DC", 5, "cache", 29.0, False),
    ]


async def test_a_webhook_stamped_in_the_second_of_a_read_replaces_the_read_figure(viewed: Viewed) -> None:
    """Shopify's `updated_at` has no fraction: a change in the read's own second may come after it."""
    viewed.stores[US].read_at = NOW + timedelta(seconds=0.4)
    await viewed.inventory("MUG-1")
    payload = {"inventory_item_id": 11, "location_id": 1, "available": 6, "updated_at": NOW.isoformat()}
    await viewed.keeper.topic_handlers["inventory_levels/update"](US, payload)
    assert figures(await viewed.inventory("MUG-1"), US)[0][:3] == ("Newark DC", 6, "cache")


async def test_a_webhook_for_an_item_the_view_never_read_is_noted_and_adds_nothing(viewed: Viewed) -> None:
    payload = {"inventory_item_id": 11, "location_id": 2, "available": 5, "updated_at": NOW.isoformat()}
    said = await viewed.keeper.on_webhook(US, payload)
    assert "is not in the inventory view" in said
    assert await viewed.keeper.view.skus(US) == []


async def test_a_refresh_reads_again_every_sku_in_the_view(viewed: Viewed) -> None:
    await viewed.inventory("MUG-1")
    viewed.stores[US].rows = [("MUG-1", MUG, "gid://shopify/Location/1", "Newark DC", 2)]
    viewed.stores[US].read_at = NOW + timedelta(seconds=100)
    assert await viewed.keeper.refresh() == 2
    viewed.later(100)
    assert figures(await viewed.inventory("MUG-1"), US) == [("Newark DC", 2, "cache", 0.0, False)]


async def test_a_store_that_cannot_be_re_read_keeps_its_older_figures(viewed: Viewed) -> None:
    await viewed.inventory("MUG-1")
    viewed.stores[EU].down = True
    assert await viewed.keeper.refresh() == 1
    viewed.later(STALE_SECONDS + 1)
    assert figures(await viewed.inventory("MUG-1"), EU) == [
        ("Rotterdam", 3, "cache", STALE_SECONDS + 1, True)
    ]


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ({"location_id": 2, "available": 1, "updated_at": NOW.isoformat()}, "inventory_item_id is 'None'"),
        (
            {"inventory_item_id": 11, "location_id": "Reno", "available": 1, "updated_at": NOW.isoformat()},
            "location_id is 'Reno', expected the numeric id of a Location",
        ),
        (
            {"inventory_item_id": 11, "location_id": 2, "available": None, "updated_at": NOW.isoformat()},
            "available is None, expected an integer",
        ),
        (
            {"inventory_item_id": 11, "location_id": 2, "available": 1, "updated_at": "yesterday"},
            "updated_at is 'yesterday', expected an ISO 8601 time with its offset",
        ),
        (
            {"inventory_item_id": 11, "location_id": 2, "available": 1, "updated_at": "2026-11-27T09:00:00"},
            "expected an ISO 8601 time with its offset",
        ),
    ],
)
def test_a_malformed_level_update_is_refused_saying_which_field_is_wrong(
    payload: dict[str, Any], says: str
) -> None:
    with pytest.raises(MalformedDelivery, match="inventory_levels/update") as refused:
        level_update(payload)
    assert says in str(refused.value)
