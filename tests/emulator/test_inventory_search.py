"""`inventoryItems(query:)` in the emulator: what the API's live inventory reads by SKU."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from adapters.api.live_inventory import ShopifyInventory
from adapters.emulator.server import EmulatorServer
from adapters.shopify.client import ShopifyClient
from tests.emulator.conftest import SHOP, TOKEN, Admin

ITEMS = """query($q: String, $after: String) {
  inventoryItems(first: 1, after: $after, query: $q) { nodes { sku } pageInfo { hasNextPage endCursor } } }"""


async def test_items_are_found_by_exact_sku_and_paged(admin: Admin) -> None:
    first = (await admin(ITEMS, {"q": 'sku:"A" OR sku:C'}))["data"]["inventoryItems"]
    assert [n["sku"] for n in first["nodes"]] == ["A"]
    assert first["pageInfo"]["hasNextPage"] is True
    variables = {"q": 'sku:"A" OR sku:C', "after": first["pageInfo"]["endCursor"]}
    second = (await admin(ITEMS, variables))["data"]["inventoryItems"]
    assert [n["sku"] for n in second["nodes"]] == ["C"]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_a_search_term_the_emulator_does_not_know_is_refused_loudly(admin: Admin) -> None:
    answer = await admin(ITEMS, {"q": "vendor:Acme"})
    assert "supports only sku:<value> terms" in answer["errors"][0]["message"]


async def test_the_live_inventory_reader_reads_every_location_of_each_sku(
    server: EmulatorServer, http: httpx.AsyncClient
) -> None:
    client = ShopifyClient(
        http, shop_domain=SHOP, admin_api_url=server.admin_api_url(SHOP), access_token=SecretStr(TOKEN)
    )
    figures = await ShopifyInventory(client).available(["A", "C", "NO-SUCH-SKU"])
    assert sorted((f.sku, f.location_name, f.available) for f in figures) == [
        ("A", "East", 10),
        ("A", "Store", 1),
        ("A", "West", 5),
        ("C", "West", 3),
    ]
