"""Reading stock by SKU live from a store's Admin API, over a scripted Shopify on httpx's transport."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema, parse, specified_rules, validate
from graphql.validation import NoDeprecatedCustomRule
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from adapters.api import ApiContext, api_routes, load_tokens
from adapters.api.live_inventory import INVENTORY_BY_SKU, INVENTORY_LEVELS_AFTER, ShopifyInventory, sku_query
from adapters.shopify.client import ShopifyClient
from adapters.shopify.documents import Document
from adapters.shopify.gateway import ShopifyGateway
from tests.api.conftest import COORDINATOR, NOW, TOKENS_DIR, US, bearer


@pytest.mark.parametrize("document", [INVENTORY_BY_SKU, INVENTORY_LEVELS_AFTER], ids=lambda d: d.name)
def test_the_documents_are_valid_against_the_admin_schema_and_use_nothing_deprecated(
    admin_schema: GraphQLSchema, document: Document
) -> None:
    errors = validate(admin_schema, parse(document.text), [*specified_rules, NoDeprecatedCustomRule])
    assert [error.message for error in errors] == []


def test_the_search_query_quotes_each_sku_and_escapes_quotes_and_backslashes() -> None:
    assert sku_query(["MUG-1", 'say "hi"', "a\\b"]) == 'sku:"MUG-1" OR sku:"say \\"hi\\"" OR sku:"a\\\\b"'


def level(location: str, name: str, available: int) -> dict[str, Any]:
    return {
        "location": {"id": location, "name": name},
        "quantities": [{"name": "available", "quantity": available}],
    }


def page(nodes: list[dict[str, Any]], cursor: str | None = None) -> dict[str, Any]:
    return {"nodes": nodes, "pageInfo": {"hasNextPage": cursor is not None, "endCursor": cursor}}


class ScriptedStore:
    """Answers the two inventory queries from pages scripted by operation and cursor."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        after = body["variables"].get("after")
        if body["operationName"] == "ApiInventoryBySku":
            if after is None:
                items = [
                    {
                        "id": "gid://shopify/InventoryItem/11",
                        "sku": "MUG-1",
                        "inventoryLevels": page([level("gid://shopify/Location/1", "Newark DC", 7)], "L1"),
                    },
                    # Shopify's search matched loosely: this SKU was not asked for.
                    {"id": "gid://shopify/InventoryItem/12", "sku": "MUG-10", "inventoryLevels": page([])},
                ]
                data = {"inventoryItems": page(items, "I1")}
            else:
                item = {
                    "id": "gid://shopify/InventoryItem/21",
                    "sku": "LAMP-9",
                    "inventoryLevels": page([level("gid://shopify/Location/2", "Reno DC", 0)]),
                }
                data = {"inventoryItems": page([item])}
        else:
            assert body["variables"] == {"id": "gid://shopify/InventoryItem/11", "after": "L1"}
            data = {
                "inventoryItem": {"inventoryLevels": page([level("gid://shopify/Location/2", "Reno DC", 4)])}
            }
        return httpx.Response(200, json={"data": data})


async def test_every_page_of_items_and_levels_is_read_and_only_the_skus_asked_for_are_kept() -> None:
    store = ScriptedStore()
    async with httpx.AsyncClient(transport=httpx.MockTransport(store)) as http:
        client = ShopifyClient(
            http,
            shop_domain=US,
            admin_api_url=f"https://{US}/admin/api/2026-01/graphql.json",
            access_token=SecretStr("shpat_test_token"),
        )
        figures = await ShopifyInventory(client, clock=lambda: NOW).available(["MUG-1", "LAMP-9"])
    assert [(f.sku, f.location_name, f.available, f.read_at) for f in figures] == [
        ("MUG-1", "Newark DC", 7, NOW),
        ("MUG-1", "Reno DC", 4, NOW),
        ("LAMP-9", "Reno DC", 0, NOW),
    ]
    assert [r["operationName"] for r in store.requests] == [
        "ApiInventoryBySku",
        "ApiInventoryLevelsAfter",
        "ApiInventoryBySku",
    ]
    assert store.requests[0]["variables"]["query"] == 'sku:"MUG-1" OR sku:"LAMP-9"'


async def test_the_api_wired_as_the_app_wires_it_answers_inventory_from_the_store(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The context the composition root builds: a ShopifyGateway and a ShopifyInventory per store."""
    store = ScriptedStore()
    async with httpx.AsyncClient(transport=httpx.MockTransport(store)) as http:
        client = ShopifyClient(
            http,
            shop_domain=US,
            admin_api_url=f"https://{US}/admin/api/2026-01/graphql.json",
            access_token=SecretStr("shpat_test_token"),
        )
        context = ApiContext(
            sessions=sessions,
            tokens=load_tokens(TOKENS_DIR / "coordinator_eu_reader_and_handoffs_only.toml"),
            orders={US: ShopifyGateway(client)},
            inventory={US: ShopifyInventory(client)},
        )
        app = Starlette(routes=[api_routes(context)])
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://api.test"
        ) as api:
            answer = await api.get("/api/v1/inventory?sku=LAMP-9", headers=bearer(COORDINATOR))
    assert answer.status_code == 200
    [lamp] = answer.json()["skus"]
    assert [(f["location_name"], f["available"]) for f in lamp["stores"][0]["locations"]] == [("Reno DC", 0)]
