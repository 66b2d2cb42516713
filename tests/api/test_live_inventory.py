"""Reading stock by SKU live from a store's Admin API, over a scripted Shopify on httpx's transport."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema, parse, specified_rules, validate
from graphql.validation import NoDeprecatedCustomRule
from pydantic import SecretStr

from adapters.api.live_inventory import INVENTORY_BY_SKU, INVENTORY_LEVELS_AFTER, ShopifyInventory, sku_query
from adapters.shopify.client import ShopifyClient
from adapters.shopify.documents import Document
from tests.api.conftest import NOW, US


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
