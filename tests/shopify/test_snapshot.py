"""read_snapshot and LocationCache against a realistic response fixture."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from adapters.shopify import documents
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyNotFound, ShopifyQueryError
from adapters.shopify.snapshot import LocationCache, read_inventory, read_snapshot
from engine.model import Address, Hold
from tests.shopify.conftest import FakeClock, ScriptedShopify, load_fixture

FIXTURE = load_fixture("snapshot-us-three-fulfillment-orders.json")
RESPONSES: dict[str, Any] = FIXTURE["responses"]
FO_ID = FIXTURE["fulfillment_order_id"]
CANDIDATES = FIXTURE["candidate_location_ids"]


def reply(name: str) -> httpx.Response:
    return httpx.Response(200, json=RESPONSES[name])


def script_full_read(shopify: ScriptedShopify) -> None:
    shopify.add(reply("snapshot"), reply("locations_page_1"), reply("locations_page_2"), reply("inventory"))


async def test_reads_everything_in_four_calls_and_maps_it(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    script_full_read(shopify)
    snapshot = await read_snapshot(client, LocationCache(client), FO_ID, CANDIDATES)

    names = [body["operationName"] for body in shopify.bodies()]
    assert names == ["RoutingSnapshot", "RoutingLocations", "RoutingLocations", "RoutingInventoryLevels"]
    assert snapshot.store == "north-wind-us.myshopify.com"
    assert snapshot.read_at is not None

    order = snapshot.order
    assert (order.id, order.name) == ("gid://shopify/Order/4001", "#1001")
    assert order.tags == frozenset({"vip", "wholesale"})
    assert order.metafields == {"routing_engine.decision": '{"outcome":"held"}'}
    assert order.shipping_address == Address(
        country_code="US",
        province="New York",
        province_code="NY",
        city="New York",
        zip="10001",
        latitude=40.7506,
        longitude=-73.9972,
    )

    fo1, fo2, fo3 = snapshot.fulfillment_orders
    assert (fo1.id, fo1.status, fo1.request_status) == (
        "gid://shopify/FulfillmentOrder/5001",
        "OPEN",
        "UNSUBMITTED",
    )
    assert fo1.assigned_location_id == "gid://shopify/Location/7005"
    assert fo1.delivery_method == "SHIPPING"
    assert fo1.destination == Address(country_code="US", province="New York", city="New York", zip="10001")
    assert "MOVE" in fo1.supported_actions
    assert fo1.movable_to == frozenset({f"gid://shopify/Location/{n}" for n in ("7001", "7002", "7004")})
    assert [(line.sku, line.remaining_quantity, line.inventory_item_id) for line in fo1.lines] == [
        ("NW-0001", 2, "gid://shopify/InventoryItem/8001"),
        ("NW-0002", 1, "gid://shopify/InventoryItem/8002"),
    ]
    assert fo1.lines[0].vendor == "North Wind" and fo1.lines[0].product_title == "Trail Mug"

    assert fo2.holds == (
        Hold(
            id="gid://shopify/FulfillmentHold/6001",
            reason="INVENTORY_OUT_OF_STOCK",
            handle="routing-engine.inventory-out-of-stock",
            notes="Short: NW-0003",
            held_by_us=True,
        ),
        Hold(
            id="gid://shopify/FulfillmentHold/6002",
            reason="HIGH_RISK_OF_FRAUD",
            handle=None,
            held_by_us=False,
        ),
    )
    assert fo2.held_by_others
    assert fo2.our_hold("routing-engine.inventory-out-of-stock") is not None
    assert fo3.status == "CLOSED" and fo3.movable_to == frozenset()

    # Inventory only for items of open fulfillment orders; negative stock kept as Shopify says.
    assert snapshot.inventory == {
        "gid://shopify/InventoryItem/8001": {
            "gid://shopify/Location/7001": 12,
            "gid://shopify/Location/7002": 0,
            "gid://shopify/Location/7003": 4,
            "gid://shopify/Location/7004": 7,
            "gid://shopify/Location/7005": 1,
        },
        "gid://shopify/InventoryItem/8002": {
            "gid://shopify/Location/7001": 3,
            "gid://shopify/Location/7002": 5,
            "gid://shopify/Location/7004": -2,
            "gid://shopify/Location/7005": 9,
        },
        "gid://shopify/InventoryItem/8003": {
            "gid://shopify/Location/7001": 40,
            "gid://shopify/Location/7003": 2,
            "gid://shopify/Location/7005": 6,
        },
    }
    assert snapshot.available("gid://shopify/InventoryItem/8003", "gid://shopify/Location/7002") == 0

    assert [loc.name for loc in snapshot.locations][-1] == "Old Warehouse"
    inactive = snapshot.location("gid://shopify/Location/7006")
    assert inactive is not None and not inactive.is_active and not inactive.fulfills_online_orders
    newark = snapshot.location("gid://shopify/Location/7001")
    assert newark is not None and newark.address.province_code == "NJ" and newark.address.latitude == 40.7357
    assert json.loads(snapshot.model_dump_json())["store"] == snapshot.store  # round-trips through JSON


async def test_sends_the_expected_variables(client: ShopifyClient, shopify: ScriptedShopify) -> None:
    script_full_read(shopify)
    await read_snapshot(client, LocationCache(client), FO_ID, CANDIDATES)
    first, *_, inventory = shopify.bodies()
    assert first["variables"] == {
        "fulfillmentOrderId": FO_ID,
        "candidateLocationIds": CANDIDATES,
        "withLocationsForMove": True,
        "locationsForMoveFirst": 5,
    }
    assert inventory["variables"]["inventoryItemIds"] == [
        "gid://shopify/InventoryItem/8001",
        "gid://shopify/InventoryItem/8002",
        "gid://shopify/InventoryItem/8003",
    ]
    assert inventory["variables"]["levelsFirst"] == 6


async def test_without_candidates_movable_to_is_not_asked(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    response = json.loads(json.dumps(RESPONSES["snapshot"]))
    for node in response["data"]["fulfillmentOrder"]["order"]["fulfillmentOrders"]["nodes"]:
        del node["locationsForMove"]  # what Shopify returns under @include(if: false)
    shopify.add(httpx.Response(200, json=response), reply("locations_page_1"), reply("locations_page_2"))
    shopify.add(reply("inventory"))
    snapshot = await read_snapshot(client, LocationCache(client), FO_ID, [])
    assert shopify.bodies()[0]["variables"]["withLocationsForMove"] is False
    assert all(fo.movable_to is None for fo in snapshot.fulfillment_orders)


async def test_missing_fulfillment_order_raises_not_found(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.add_json({"data": {"fulfillmentOrder": None}})
    with pytest.raises(ShopifyNotFound) as caught:
        await read_snapshot(client, LocationCache(client), "gid://shopify/FulfillmentOrder/404", CANDIDATES)
    assert caught.value.gid == "gid://shopify/FulfillmentOrder/404"


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
    shopify.add(reply("locations_page_1"), reply("locations_page_2"), reply("inventory"))

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
