"""Native routing at order creation, inventory commitment, auth, and the read side of the API."""

from __future__ import annotations

import httpx

from adapters.emulator.server import EmulatorServer
from adapters.shopify.candidate_stock import stock_document
from tests.emulator.conftest import SHOP, Admin, location_id, place

FO_QUERY = """
query FO($id: ID!) {
  fulfillmentOrder(id: $id) {
    id status requestStatus orderId orderName
    assignedLocation { name location { id name } }
    destination { countryCode province zip city }
    deliveryMethod { methodType }
    fulfillmentHolds { id handle reason reasonNotes heldByRequestingApp }
    supportedActions { action }
    lineItems(first: 10) {
      nodes { id sku inventoryItemId remainingQuantity totalQuantity requiresShipping vendor productTitle }
      pageInfo { hasNextPage endCursor }
    }
    order { id name tags shippingAddress { countryCodeV2 provinceCode zip } }
  }
}
"""


async def test_lines_go_to_the_first_ranked_location_with_enough_stock(
    server: EmulatorServer, http: httpx.AsyncClient
) -> None:
    order = await place(server, http, [("A", 1), ("B", 2), ("C", 1)])
    by_location = {
        fo["assigned_location_name"]: [li["sku"] for li in fo["line_items"]]
        for fo in order["fulfillment_orders"]
    }
    # Store ranks first and has one A; it stocks B but has none, so B goes to East; C only at West.
    assert by_location == {"Store": ["A"], "East": ["B"], "West": ["C"]}
    assert order["name"] == "#1001"


async def test_a_line_nobody_can_cover_goes_to_the_first_ranked_location_that_stocks_it(
    server: EmulatorServer, http: httpx.AsyncClient
) -> None:
    order = await place(server, http, [("C", 9)])
    assert [fo["assigned_location_name"] for fo in order["fulfillment_orders"]] == ["West"]


async def test_placing_an_order_commits_inventory(server: EmulatorServer, http: httpx.AsyncClient) -> None:
    await place(server, http, [("A", 3)])
    rows = (
        await http.get(f"{server.base_url}/_emulator/stores/{SHOP}/inventory", params={"sku": "A"})
    ).json()
    east = next(r for r in rows if r["location"] == "East")
    assert (east["available"], east["committed"], east["on_hand"]) == (7, 3, 10)


async def test_a_wrong_token_gets_shopifys_401(server: EmulatorServer, http: httpx.AsyncClient) -> None:
    response = await Admin(http, server.admin_api_url(SHOP), token="nope").post("{ shop { name } }")
    assert response.status_code == 401
    assert response.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


async def test_fulfillment_order_reads_carry_what_the_engine_needs(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    order = await place(server, http, [("A", 2), ("B", 1)])
    fo_id = order["fulfillment_orders"][0]["id"]
    result = await admin(FO_QUERY, {"id": fo_id})
    fo = result["data"]["fulfillmentOrder"]
    assert fo["status"] == "OPEN" and fo["requestStatus"] == "UNSUBMITTED"
    assert fo["assignedLocation"]["location"]["id"] == location_id(server, "East")
    assert fo["destination"] == {"countryCode": "US", "province": None, "zip": "11201", "city": "Brooklyn"}
    assert fo["deliveryMethod"] == {"methodType": "SHIPPING"}
    assert [a["action"] for a in fo["supportedActions"]] == ["CREATE_FULFILLMENT", "MOVE", "HOLD", "SPLIT"]
    assert [(n["sku"], n["remainingQuantity"]) for n in fo["lineItems"]["nodes"]] == [("A", 2), ("B", 1)]
    assert fo["order"]["name"] == "#1001" and fo["orderName"] == "#1001"
    assert set(result["extensions"]["cost"]) == {"requestedQueryCost", "actualQueryCost", "throttleStatus"}


async def test_inventory_levels_are_read_through_nodes(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    await place(server, http, [("A", 1)])
    item = server.state.stores[SHOP].inventory.item_by_sku("A")
    assert item is not None
    query = """query($ids: [ID!]!, $loc: ID!) { nodes(ids: $ids) { ... on InventoryItem { id sku
      inventoryLevels(first: 10) { nodes { location { id }
        quantities(names: ["available", "committed", "on_hand"]) { name quantity } } }
      inventoryLevel(locationId: $loc) { quantities(names: ["available"]) { quantity } } } } }"""
    data = (await admin(query, {"ids": [item.id], "loc": location_id(server, "Store")}))["data"]
    node = data["nodes"][0]
    levels = {
        lv["location"]["id"]: {q["name"]: q["quantity"] for q in lv["quantities"]}
        for lv in node["inventoryLevels"]["nodes"]
    }
    assert levels[location_id(server, "Store")] == {"available": 0, "committed": 1, "on_hand": 1}
    assert node["inventoryLevel"] == {"quantities": [{"quantity": 0}]}


async def test_locations_page_with_cursors(server: EmulatorServer, admin: Admin) -> None:
    query = (
        "query($after: String) { locations(first: 2, after: $after) {"
        " nodes { name } pageInfo { hasNextPage endCursor } } }"
    )
    first = (await admin(query))["data"]["locations"]
    second = (await admin(query, {"after": first["pageInfo"]["endCursor"]}))["data"]["locations"]
    assert [n["name"] for n in first["nodes"] + second["nodes"]] == ["East", "West", "Store"]
    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]


async def test_an_invalid_document_is_answered_without_cost(admin: Admin) -> None:
    result = await admin("{ shop { notAField } }")
    assert "data" not in result and "extensions" not in result
    assert "notAField" in result["errors"][0]["message"]


async def test_a_syntax_error_is_answered_without_cost(admin: Admin) -> None:
    result = await admin("{ shop { name }")
    assert "extensions" not in result and result["errors"][0]["locations"]


async def test_the_stock_read_at_candidates_answers_and_costs_as_shopify_would(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    # Cherry is stocked at West only: East answers null and costs nothing; West costs its level
    # and its quantities (2); the item 1. Requested: the item and both levels as if stocked.
    cherry = server.state.stores[SHOP].inventory.item_by_sku("C")
    assert cherry is not None
    document = stock_document(2)
    east, west = location_id(server, "East"), location_id(server, "West")
    answer = await admin(document.text, {"inventoryItemIds": [cherry.id], "l0": east, "l1": west})
    assert answer["data"]["nodes"] == [
        {"id": cherry.id, "l0": None, "l1": {"quantities": [{"name": "available", "quantity": 3}]}}
    ]
    cost = answer["extensions"]["cost"]
    assert (cost["requestedQueryCost"], cost["actualQueryCost"]) == (5, 3)
