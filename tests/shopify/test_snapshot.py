"""read_snapshot against a realistic response fixture: what it asks, what it maps, what it costs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from graphql import ExecutionResult, FragmentDefinitionNode, GraphQLSchema, execute, get_operation_ast, parse
from graphql.execution.values import get_variable_values

from adapters.emulator.cost import CostCalculator
from adapters.shopify import documents
from adapters.shopify.candidate_stock import stock_document
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyNotFound
from adapters.shopify.snapshot import (
    LocationCache,
    ShopLocations,
    move_variables,
    read_order_snapshot,
    read_snapshot,
)
from engine.model import Address, Hold
from tests.shopify.conftest import ScriptedShopify
from tests.shopify.snapshot_replies import CANDIDATES, FO_ID, RESPONSES, reply, script_full_read


async def test_reads_everything_in_four_calls_and_maps_it(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    script_full_read(shopify)
    snapshot = await read_snapshot(client, LocationCache(client), FO_ID, CANDIDATES)

    names = [body["operationName"] for body in shopify.bodies()]
    assert names == ["RoutingSnapshot", "RoutingLocations", "RoutingLocations", "RoutingStockAtLocations"]
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

    # Stock only for items of open fulfillment orders, at the candidates and the fulfillment orders'
    # own locations; negative stock kept as Shopify says; no level at a location reads as 0.
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


# 14:15 UTC on the Friday after Thanksgiving: 09:15 in New York (EST, UTC-5).
BLACK_FRIDAY = datetime(2026, 11, 27, 14, 15, 0, tzinfo=UTC)


async def test_maps_what_the_rules_read_about_value_channel_payment_customer_and_lines(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    script_full_read(shopify)
    snapshot = await read_snapshot(
        client, LocationCache(client), FO_ID, CANDIDATES, clock=lambda: BLACK_FRIDAY
    )

    order = snapshot.order
    assert (order.total_price, order.currency) == (129.95, "USD")
    assert (order.sales_channel, order.financial_status) == ("web", "AUTHORIZED")
    assert order.customer_tags == frozenset({"vip-customer", "wholesale"})
    mug, blanket = snapshot.fulfillment_orders[0].lines
    assert (mug.product_type, mug.unit_price) == ("Drinkware", 22.0), "24.00 and 20.00 weighed by quantity"
    assert (blanket.product_type, blanket.unit_price) == ("Bedding", 39.5)
    compass = snapshot.fulfillment_orders[2].lines[0]
    assert (compass.product_type, compass.unit_price) == (None, 12.0), "a deleted variant has no type"
    assert snapshot.read_at == "2026-11-27T14:15:00+00:00"
    assert snapshot.local_time == "2026-11-27T09:15:00-05:00", "the shop's wall clock, from its time zone"


def requested_cost(schema: GraphQLSchema, document: documents.Document, variables: dict[str, Any]) -> int:
    """The requested cost as Shopify computes it (the emulator's calculator, fitted to recordings)."""
    parsed = parse(document.text)
    operation = get_operation_ast(parsed)
    assert operation is not None
    fragments = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
    assert not isinstance(coerced, list), coerced
    return CostCalculator(schema, fragments, dict(coerced.coerced)).operation(operation)


@pytest.mark.parametrize(
    ("document", "root"),
    [(documents.SNAPSHOT, "fulfillmentOrderId"), (documents.ORDER_SNAPSHOT, "orderId")],
    ids=["by fulfillment order", "by order"],
)
def test_the_order_read_stays_well_under_shopifys_single_query_limit(
    admin_schema: GraphQLSchema, document: documents.Document, root: str
) -> None:
    # Shopify refuses a query over 1,000 points; 250 candidates is the most locationsForMove asks.
    candidates = [f"gid://shopify/Location/{n}" for n in range(250)]
    cost = requested_cost(
        admin_schema, document, {root: "gid://shopify/Order/1", **move_variables(candidates)}
    )
    assert cost < 500


def test_the_fixture_answers_exactly_what_the_documents_select(admin_schema: GraphQLSchema) -> None:
    # Executing a document over the fixture with Shopify's schema gives the fixture back only when
    # every selected field is there with the right type, and nothing else is.
    moves = {"candidateLocationIds": CANDIDATES, "withLocationsForMove": True, "locationsForMoveFirst": 5}
    # REPORT_PROGRESS is an action newer than the 2026-01 schema; live stores list it (recordings).
    snapshot = json.loads(json.dumps(RESPONSES["snapshot"]["data"]).replace('"REPORT_PROGRESS"', '"MERGE"'))
    cases = [
        (documents.SNAPSHOT, snapshot, {"fulfillmentOrderId": FO_ID, **moves}),
        (
            stock_document(len(CANDIDATES)),
            RESPONSES["stock"]["data"],
            {"inventoryItemIds": [], **{f"l{i}": c for i, c in enumerate(CANDIDATES)}},
        ),
        (documents.LOCATIONS, RESPONSES["locations_page_1"]["data"], {"after": None}),
        (documents.LOCATIONS, RESPONSES["locations_page_2"]["data"], {"after": "page-2"}),
    ]
    for document, data, variables in cases:
        # Fields resolve by response key (aliases: l0, l1, ...); `nodes` answers the abstract
        # Node, and every node in these answers is an InventoryItem.
        result = execute(
            admin_schema,
            parse(document.text),
            data,
            variable_values=variables,
            field_resolver=lambda source, info, **_: source.get(info.path.key),
            type_resolver=lambda *_: "InventoryItem",
        )
        assert isinstance(result, ExecutionResult)
        assert result.errors is None, document.name
        assert result.data == data, document.name


async def test_reads_by_order_id_for_webhooks_that_carry_an_order(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    by_order = {"data": {"order": RESPONSES["snapshot"]["data"]["fulfillmentOrder"]["order"]}}
    shopify.add_json(by_order)
    shopify.add(reply("locations_page_1"), reply("locations_page_2"), reply("stock"))
    snapshot = await read_order_snapshot(
        client, LocationCache(client), "gid://shopify/Order/4001", CANDIDATES
    )
    first = shopify.bodies()[0]
    assert first["operationName"] == "RoutingOrderSnapshot"
    assert first["variables"]["orderId"] == "gid://shopify/Order/4001"
    assert snapshot.order.name == "#1001" and len(snapshot.fulfillment_orders) == 3
    assert snapshot.order.financial_status == "AUTHORIZED"


async def test_reading_an_unknown_order_raises_not_found(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    shopify.add_json({"data": {"order": None}})
    with pytest.raises(ShopifyNotFound) as caught:
        await read_order_snapshot(client, LocationCache(client), "gid://shopify/Order/404", CANDIDATES)
    assert caught.value.gid == "gid://shopify/Order/404"


class TestShopLocalTime:
    def test_follows_daylight_saving_time(self) -> None:
        toronto = ShopLocations((), "America/Toronto")
        assert toronto.local_time(datetime(2026, 7, 1, 16, 0, tzinfo=UTC)) == "2026-07-01T12:00:00-04:00"
        assert toronto.local_time(datetime(2026, 1, 5, 16, 0, tzinfo=UTC)) == "2026-01-05T11:00:00-05:00"

    def test_the_local_day_can_differ_from_the_utc_day(self) -> None:
        new_york = ShopLocations((), "America/New_York")
        assert new_york.local_time(datetime(2026, 11, 28, 2, 30, tzinfo=UTC)) == "2026-11-27T21:30:00-05:00"

    @pytest.mark.parametrize("zone", [None, "", "Mars/Olympus_Mons"])
    def test_is_unknown_without_a_known_zone(self, zone: str | None) -> None:
        assert ShopLocations((), zone).local_time(BLACK_FRIDAY) is None


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
    assert inventory["variables"] == {
        "inventoryItemIds": [
            "gid://shopify/InventoryItem/8001",
            "gid://shopify/InventoryItem/8002",
            "gid://shopify/InventoryItem/8003",
        ],
        # The candidates, which include the open fulfillment orders' own locations (7005, 7002).
        **{f"l{i}": location for i, location in enumerate(CANDIDATES)},
    }


async def test_without_candidates_movable_to_is_not_asked(
    client: ShopifyClient, shopify: ScriptedShopify
) -> None:
    response = json.loads(json.dumps(RESPONSES["snapshot"]))
    for node in response["data"]["fulfillmentOrder"]["order"]["fulfillmentOrders"]["nodes"]:
        del node["locationsForMove"]  # what Shopify returns under @include(if: false)
    shopify.add(httpx.Response(200, json=response), reply("locations_page_1"), reply("locations_page_2"))
    shopify.add(reply("stock"))
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
