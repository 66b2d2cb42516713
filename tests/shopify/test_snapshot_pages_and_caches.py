"""read_snapshot over several pages, the location cache, inventory batches and pages, errors, and the
ship-to it keeps for a purchase order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.shopify import documents
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyQueryError
from adapters.shopify.ship_to import NoShippingAddress, ShipToMemory, ship_to_of
from adapters.shopify.snapshot import (
    LocationCache,
    read_inventory,
    read_snapshot,
)
from tests.shopify.conftest import FakeClock, ScriptedShopify
from tests.shopify.snapshot_replies import CANDIDATES, FO_ID, RESPONSES, reply, script_full_read


async def test_follows_pages_of_fulfillment_orders_and_lines(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    first = json.loads(json.dumps(RESPONSES["snapshot"]))
    connection = first["data"]["fulfillmentOrder"]["order"]["fulfillmentOrders"]
    fo1, fo2, fo3 = connection["nodes"]
    connection["nodes"] = [fo1]
    connection["pageInfo"] = {"hasNextPage": True, "endCursor": "after-fo1"}
    fo1["lineItems"]["nodes"] = fo1["lineItems"]["nodes"][:1]
    fo1["lineItems"]["pageInfo"] = {"hasNextPage": True, "endCursor": "after-line1"}
    original_lines = RESPONSES["snapshot"]["data"]["fulfillmentOrder"]["order"]["fulfillmentOrders"]["nodes"][
        0
    ]
    page_of_fos = {
        "data": {"order": {"fulfillmentOrders": {"nodes": [fo2, fo3], "pageInfo": {"hasNextPage": False}}}}
    }
    page_of_lines = {
        "data": {
            "fulfillmentOrder": {
                "lineItems": {
                    "nodes": original_lines["lineItems"]["nodes"][1:],
                    "pageInfo": {"hasNextPage": False},
                }
            }
        }
    }
    shopify.add_json(first)
    shopify.add_json(page_of_fos)
    shopify.add_json(page_of_lines)
    shopify.add(reply("locations_page_1"), reply("locations_page_2"), reply("stock"))

    snapshot = await read_snapshot(client, LocationCache(client), FO_ID, CANDIDATES)

    bodies = shopify.bodies()
    assert [b["operationName"] for b in bodies[:3]] == [
        "RoutingSnapshot",
        "RoutingFulfillmentOrdersPage",
        "RoutingFulfillmentOrderLinesPage",
    ]
    assert bodies[1]["variables"]["after"] == "after-fo1"
    assert bodies[2]["variables"] == {"id": fo1["id"], "after": "after-line1"}
    assert [fo.id[-4:] for fo in snapshot.fulfillment_orders] == ["5001", "5002", "5003"]
    assert [line.sku for line in snapshot.fulfillment_orders[0].lines] == ["NW-0001", "NW-0002"]


class TestLocationCache:
    async def test_reads_once_within_the_ttl(self, client: ShopifyClient, shopify: ScriptedShopify) -> None:
        clock = FakeClock()
        cache = LocationCache(client, ttl_seconds=60, clock=clock)
        shopify.add(reply("locations_page_1"), reply("locations_page_2"))
        first = await cache.get()
        clock.now += 59
        assert await cache.get() is first
        assert len(shopify.requests) == 2
        assert len(first) == 6 and first[0].store == client.shop_domain

    async def test_reads_again_after_the_ttl_or_on_refresh(
        self, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        clock = FakeClock()
        cache = LocationCache(client, ttl_seconds=60, clock=clock)
        for _ in range(3):
            shopify.add(reply("locations_page_1"), reply("locations_page_2"))
        await cache.get()
        clock.now += 60
        await cache.get()
        await cache.refresh()
        assert len(shopify.requests) == 6


async def test_inventory_batches_are_halved_when_a_read_costs_too_much(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    too_costly = {
        "errors": [
            {
                "message": "Query cost is 1204, which exceeds the single query max cost limit (1000).",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": 1204, "maxCost": 1000},
            }
        ]
    }
    empty: dict[str, Any] = {"data": {"nodes": []}}
    shopify.add_json(too_costly)
    shopify.add_json(empty)
    shopify.add_json(empty)
    ids = [f"gid://shopify/InventoryItem/{n}" for n in range(4)]
    assert await read_inventory(client, ids) == {}
    sent = [b["variables"]["inventoryItemIds"] for b in shopify.bodies()]
    assert sent == [ids, ids[:2], ids[2:]]


async def test_inventory_follows_level_pages(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    level = {
        "location": {"id": "gid://shopify/Location/1"},
        "quantities": [{"name": "available", "quantity": 3}],
    }
    other = {
        "location": {"id": "gid://shopify/Location/2"},
        "quantities": [{"name": "available", "quantity": 4}],
    }
    shopify.add_json(
        {
            "data": {
                "nodes": [
                    {
                        "id": "gid://shopify/InventoryItem/1",
                        "inventoryLevels": {
                            "nodes": [level],
                            "pageInfo": {"hasNextPage": True, "endCursor": "c1"},
                        },
                    },
                    None,
                ]
            }
        }
    )
    shopify.add_json(
        {
            "data": {
                "inventoryItem": {
                    "id": "gid://shopify/InventoryItem/1",
                    "inventoryLevels": {"nodes": [other], "pageInfo": {"hasNextPage": False}},
                }
            }
        }
    )
    result = await read_inventory(client, ["gid://shopify/InventoryItem/1", "gid://shopify/InventoryItem/2"])
    assert result == {
        "gid://shopify/InventoryItem/1": {"gid://shopify/Location/1": 3, "gid://shopify/Location/2": 4}
    }
    assert shopify.bodies()[1]["operationName"] == documents.INVENTORY_LEVELS_PAGE.name


async def test_other_query_errors_are_not_swallowed(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    shopify.add_json({"errors": [{"message": "Access denied", "extensions": {"code": "ACCESS_DENIED"}}]})
    with pytest.raises(ShopifyQueryError):
        await read_inventory(client, ["gid://shopify/InventoryItem/1"])


async def test_the_order_read_keeps_the_ship_to_for_a_purchase_order_moments_later(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    clock = FakeClock()
    memory = ShipToMemory(fresh_seconds=60, clock=clock)
    script_full_read(shopify)
    await read_snapshot(client, LocationCache(client), FO_ID, CANDIDATES, ship_tos=memory)
    sent = len(shopify.requests)

    address = await ship_to_of(client, "gid://shopify/Order/4001", memory)
    assert (address.name, address.address1, address.address2, address.zip) == (
        "Ada Lovelace",
        "350 Fifth Avenue",
        "Floor 34",
        "10001",
    )
    assert len(shopify.requests) == sent, "no read of its own"

    clock.now += 61  # a PO written later (the sweeper) reads the address afresh
    shopify.add_json(
        {"data": {"order": {"id": "gid://shopify/Order/4001", "name": "#1001", "shippingAddress": None}}}
    )
    with pytest.raises(NoShippingAddress):
        await ship_to_of(client, "gid://shopify/Order/4001", memory)
    assert shopify.bodies()[-1]["operationName"] == "RoutingOrderShipTo"
