"""orderCreate, orderCancel and the warehouse/staff control routes of the emulator (issue 5, item 3)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from adapters.emulator.server import EmulatorServer
from tests.emulator.conftest import SHOP, Admin, location_id, place

CREATE = """mutation($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id name tags displayFinancialStatus
      metafield(namespace: "routing_engine", key: "linked_order") { type value }
      fulfillmentOrders(first: 5) { nodes { id status assignedLocation { name location { id } }
        lineItems(first: 5) { nodes { sku totalQuantity remainingQuantity } } } } }
    userErrors { field message code } } }"""
CANCEL = """mutation($id: ID!, $restock: Boolean!) {
  orderCancel(orderId: $id, reason: OTHER, restock: $restock, notifyCustomer: false, staffNote: "linked") {
    job { id done } orderCancelUserErrors { field message code } } }"""
ORDER = """query($id: ID!) { order(id: $id) { cancelledAt cancelReason closed displayFulfillmentStatus
  fulfillmentOrders(first: 5) { nodes { status lineItems(first: 5) { nodes { remainingQuantity } } } }
  fulfillments(first: 5) { status trackingInfo { company number } } } }"""
BY_TAG = """query($q: String!) { orders(first: 5, query: $q) { nodes { id tags } } }"""
ADDRESS = {"firstName": "Ada", "lastName": "Lovelace", "address1": "1 Main St", "city": "Newark",
           "provinceCode": "NJ", "countryCode": "US", "zip": "07102"}  # fmt: skip


def variant(server: EmulatorServer, sku: str) -> str:
    item = server.state.stores[SHOP].inventory.item_by_sku(sku)
    assert item is not None
    return item.variant_id


def level(server: EmulatorServer, sku: str, location: str) -> tuple[int, int]:
    store = server.state.stores[SHOP]
    item = store.inventory.item_by_sku(sku)
    assert item is not None
    found = store.inventory.level(item.id, location_id(server, location))
    assert found is not None
    return found.available, found.committed


def order_input(server: EmulatorServer, lines: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    return {
        "lineItems": [{"variantId": variant(server, sku), "quantity": q} for sku, q in lines],
        "shippingAddress": ADDRESS,
        **extra,
    }


async def create(
    admin: Admin, order: dict[str, Any], behaviour: str | None = "DECREMENT_OBEYING_POLICY"
) -> dict[str, Any]:
    options = None if behaviour is None else {"inventoryBehaviour": behaviour, "sendReceipt": False}
    payload: dict[str, Any] = (await admin(CREATE, {"order": order, "options": options}))["data"][
        "orderCreate"
    ]
    return payload


def topics(server: EmulatorServer) -> list[str]:
    return [d.topic for d in server.emulator.webhooks.deliveries]


def last_body(server: EmulatorServer, topic: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        [d for d in server.emulator.webhooks.deliveries if d.topic == topic][-1].body
    )
    return body


async def test_an_api_order_is_routed_tagged_linked_and_claims_its_units(
    server: EmulatorServer, admin: Admin
) -> None:
    link = json.dumps({"shop": "a.myshopify.com", "order_id": "gid://shopify/Order/7"})
    order = order_input(
        server,
        [("A", 2)],
        tags=["routing-link-7", "Hand-off"],
        metafields=[{"namespace": "routing_engine", "key": "linked_order", "type": "json", "value": link}],
    )
    result = await create(admin, order)
    assert result["userErrors"] == []
    made = result["order"]
    assert made["tags"] == ["Hand-off", "routing-link-7"]  # sorted, as Shopify returns them
    assert made["metafield"] == {"type": "json", "value": link}
    assert made["displayFinancialStatus"] == "PENDING"  # no transactions
    [fo] = made["fulfillmentOrders"]["nodes"]
    # Native ranking is Store, East, West: Store has 1 A, so the first with 2 gets the line.
    assert (fo["status"], fo["assignedLocation"]["name"]) == ("OPEN", "East")
    assert fo["lineItems"]["nodes"] == [{"sku": "A", "totalQuantity": 2, "remainingQuantity": 2}]
    assert level(server, "A", "East") == (8, 2)
    assert topics(server) == ["orders/create", "fulfillment_orders/order_routing_complete"]
    body = last_body(server, "orders/create")
    assert body["admin_graphql_api_id"] == made["id"] and body["tags"] == "Hand-off, routing-link-7"
    assert body["shipping_address"]["city"] == "Newark"


async def test_bypass_the_default_claims_no_inventory(server: EmulatorServer, admin: Admin) -> None:
    result = await create(admin, order_input(server, [("A", 2)]), behaviour=None)
    assert result["userErrors"] == [] and result["order"]["id"]
    assert level(server, "A", "East") == (10, 0)


async def test_obeying_policy_refuses_more_than_the_store_has_and_creates_nothing(
    server: EmulatorServer, admin: Admin
) -> None:
    result = await create(admin, order_input(server, [("C", 4)]))
    assert result["order"] is None
    [error] = result["userErrors"]
    assert (error["code"], error["field"]) == ("INVENTORY_CLAIM_FAILED", ["order", "lineItems", "0"])
    assert "C" in error["message"]
    assert server.state.stores[SHOP].orders == {}
    assert level(server, "C", "West") == (3, 0)
    assert topics(server) == []


async def test_an_unknown_variant_is_named_in_the_error(server: EmulatorServer, admin: Admin) -> None:
    order = {"lineItems": [{"variantId": "gid://shopify/ProductVariant/999", "quantity": 1}]}
    result = await create(admin, order)
    assert result["order"] is None
    assert result["userErrors"] == [
        {
            "field": ["order", "lineItems", "0", "variantId"],
            "message": "Variant gid://shopify/ProductVariant/999 does not exist.",
            "code": "INVALID",
        }
    ]


async def test_cancelling_closes_the_fulfillment_orders_restocks_and_sends_orders_cancelled(
    server: EmulatorServer, admin: Admin
) -> None:
    made = (await create(admin, order_input(server, [("A", 2)], tags=["x"])))["order"]
    answer = (await admin(CANCEL, {"id": made["id"], "restock": True}))["data"]["orderCancel"]
    assert answer["orderCancelUserErrors"] == []
    assert answer["job"]["id"].startswith("gid://shopify/Job/") and answer["job"]["done"] is False
    state = (await admin(ORDER, {"id": made["id"]}))["data"]["order"]
    # As recorded: cancelled but not closed; FOs CLOSED with their remaining quantities kept.
    assert state["cancelledAt"] and state["cancelReason"] == "OTHER" and state["closed"] is False
    assert state["fulfillmentOrders"]["nodes"] == [
        {"status": "CLOSED", "lineItems": {"nodes": [{"remainingQuantity": 2}]}}
    ]
    assert level(server, "A", "East") == (10, 0)
    body = last_body(server, "orders/cancelled")
    assert body["admin_graphql_api_id"] == made["id"] and body["id"] == int(made["id"].rsplit("/", 1)[1])
    assert (body["cancel_reason"], body["tags"]) == ("other", "x")
    assert body["cancelled_at"] and body["line_items"][0]["sku"] == "A"


async def test_cancelling_without_restock_takes_the_units_off_hand(
    server: EmulatorServer, admin: Admin
) -> None:
    made = (await create(admin, order_input(server, [("A", 2)])))["order"]
    await admin(CANCEL, {"id": made["id"], "restock": False})
    assert level(server, "A", "East") == (8, 0)


async def test_a_second_cancel_is_refused_with_the_recorded_message(
    server: EmulatorServer, admin: Admin
) -> None:
    made = (await create(admin, order_input(server, [("A", 1)])))["order"]
    await admin(CANCEL, {"id": made["id"], "restock": True})
    again = (await admin(CANCEL, {"id": made["id"], "restock": True}))["data"]["orderCancel"]
    assert again["job"] is None
    assert again["orderCancelUserErrors"] == [
        {
            "field": ["orderId"],
            "message": "Cannot cancel an order that has already been canceled",
            "code": "INVALID",
        }
    ]
    assert topics(server).count("orders/cancelled") == 1


async def test_the_warehouse_ships_every_open_fulfillment_order_with_the_same_tracking(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    made = (await create(admin, order_input(server, [("A", 1), ("C", 2)])))["order"]
    assert len(made["fulfillmentOrders"]["nodes"]) == 2  # A at Store, C at West
    url = f"{server.base_url}/_emulator/stores/{SHOP}/orders/{made['name'].lstrip('#')}/fulfill"
    shipped = await http.post(url, json={"tracking_company": "UPS", "tracking_numbers": ["1Z1"]})
    assert shipped.status_code == 201, shipped.text
    assert [f["quantity"] for f in shipped.json()["fulfillments"]] == [1, 2]
    bodies = [
        json.loads(d.body) for d in server.emulator.webhooks.deliveries if d.topic == "fulfillments/create"
    ]
    assert [(b["tracking_company"], b["tracking_numbers"]) for b in bodies] == [("UPS", ["1Z1"])] * 2
    assert sorted(line["sku"] for b in bodies for line in b["line_items"]) == ["A", "C"]
    state = (await admin(ORDER, {"id": made["id"]}))["data"]["order"]
    assert state["displayFulfillmentStatus"] == "FULFILLED"
    assert [f["trackingInfo"] for f in state["fulfillments"]] == [[{"company": "UPS", "number": "1Z1"}]] * 2
    again = await http.post(url, json={"tracking_company": "UPS", "tracking_numbers": ["1Z2"]})
    assert again.status_code == 409 and "no open fulfillment order" in again.json()["error"]
    refused = (await admin(CANCEL, {"id": made["id"], "restock": True}))["data"]["orderCancel"]
    assert refused["orderCancelUserErrors"][0]["message"] == (
        "Cannot cancel an order that has outstanding fulfillments"
    )


async def test_staff_cancel_in_the_admin_sends_orders_cancelled(
    server: EmulatorServer, http: httpx.AsyncClient
) -> None:
    placed = await place(server, http, [("A", 1)])
    base = f"{server.base_url}/_emulator/stores/{SHOP}/orders/{placed['name'].lstrip('#')}/cancel"
    bad = await http.post(base, json={"reason": "BORED"})
    assert bad.status_code == 400 and "BORED" in bad.json()["error"]
    cancelled = await http.post(base, json={"reason": "customer"})
    assert cancelled.status_code == 200, cancelled.text
    assert [fo["status"] for fo in cancelled.json()["fulfillment_orders"]] == ["CLOSED"]
    assert last_body(server, "orders/cancelled")["cancel_reason"] == "customer"
    twice = await http.post(base)
    assert twice.status_code == 409 and "already been canceled" in twice.json()["error"]


async def test_orders_are_searched_by_tag(server: EmulatorServer, admin: Admin) -> None:
    tagged = (await create(admin, order_input(server, [("A", 1)], tags=["routing-link-42"])))["order"]
    await create(admin, order_input(server, [("A", 1)], tags=["routing-link-43"]))
    found = (await admin(BY_TAG, {"q": 'tag:"routing-link-42"'}))["data"]["orders"]["nodes"]
    assert [order["id"] for order in found] == [tagged["id"]]
    unsupported = await admin(BY_TAG, {"q": "status:open"})
    assert "only by tag" in unsupported["errors"][0]["message"]
