"""fulfillmentCreate in the emulator: what Shopify refuses (recorded messages) and what it changes."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.emulator.server import EmulatorServer
from tests.emulator.conftest import SHOP, Admin, location_id, place

CREATE = """mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
  fulfillment { id status displayStatus totalQuantity trackingInfo { company number url }
    fulfillmentLineItems(first: 10) { nodes { quantity lineItem { sku } } } }
  userErrors { field message } } }"""
FO = """query($id: ID!) { fulfillmentOrder(id: $id) { status
  lineItems(first: 10) { nodes { sku remainingQuantity totalQuantity } } } }"""
HOLD = """mutation($id: ID!) { fulfillmentOrderHold(id: $id, fulfillmentHold: {reason: OTHER, handle: "h"}) {
  userErrors { message } } }"""


def shipment(fo_id: str, lines: list[dict[str, Any]] | None = None, **tracking: Any) -> dict[str, Any]:
    group: dict[str, Any] = {"fulfillmentOrderId": fo_id}
    if lines is not None:
        group["fulfillmentOrderLineItems"] = lines
    return {
        "lineItemsByFulfillmentOrder": [group],
        "trackingInfo": {"company": "UPS", "numbers": ["1Z999"], **tracking},
        "notifyCustomer": False,
    }


async def create(admin: Admin, fulfillment: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await admin(CREATE, {"f": fulfillment}))["data"]["fulfillmentCreate"]
    return payload


async def test_fulfilling_every_line_closes_the_fulfillment_order_and_records_tracking(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await place(server, http, [("A", 2), ("B", 1)]))["fulfillment_orders"][0]
    urls = ["https://ups.example/1Z1", "https://ups.example/1Z2"]
    result = await create(admin, shipment(fo["id"], numbers=["1Z1", "1Z2"], urls=urls))
    assert result["userErrors"] == []
    made = result["fulfillment"]
    assert (made["status"], made["displayStatus"], made["totalQuantity"]) == ("SUCCESS", "FULFILLED", 3)
    assert made["trackingInfo"] == [
        {"company": "UPS", "number": "1Z1", "url": urls[0]},
        {"company": "UPS", "number": "1Z2", "url": urls[1]},
    ]
    state = (await admin(FO, {"id": fo["id"]}))["data"]["fulfillmentOrder"]
    assert state["status"] == "CLOSED"
    assert [n["remainingQuantity"] for n in state["lineItems"]["nodes"]] == [0, 0]


async def test_fulfilling_some_units_leaves_the_rest_in_progress(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await place(server, http, [("A", 3), ("B", 1)]))["fulfillment_orders"][0]
    a_line = fo["line_items"][0]["id"]
    result = await create(admin, shipment(fo["id"], [{"id": a_line, "quantity": 2}]))
    assert result["fulfillment"]["fulfillmentLineItems"]["nodes"] == [
        {"quantity": 2, "lineItem": {"sku": "A"}}
    ]
    state = (await admin(FO, {"id": fo["id"]}))["data"]["fulfillmentOrder"]
    assert state["status"] == "IN_PROGRESS"
    assert [(n["sku"], n["remainingQuantity"]) for n in state["lineItems"]["nodes"]] == [("A", 1), ("B", 1)]


async def test_shipped_units_leave_on_hand_at_the_location(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await place(server, http, [("C", 2)]))["fulfillment_orders"][0]
    level = server.state.stores[SHOP].inventory.level(
        fo["line_items"][0]["inventory_item_id"], fo_location(fo)
    )
    assert level is not None and (level.available, level.committed) == (1, 2)
    await create(admin, shipment(fo["id"]))
    assert (level.available, level.committed, level.on_hand) == (1, 0, 1)


def fo_location(fo: dict[str, Any]) -> str:
    location: str = fo["assigned_location_id"]
    return location


async def test_a_closed_fulfillment_order_is_refused_with_shopifys_message(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await place(server, http, [("A", 1)]))["fulfillment_orders"][0]
    await create(admin, shipment(fo["id"]))
    again = await create(admin, shipment(fo["id"]))
    number = fo["id"].rsplit("/", 1)[-1]
    assert again == {
        "fulfillment": None,
        "userErrors": [
            {
                "field": ["fulfillment"],
                "message": f"Fulfillment order {number} has an unfulfillable status= closed.",
            }
        ],
    }


async def test_a_held_fulfillment_order_is_refused(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await place(server, http, [("A", 1)]))["fulfillment_orders"][0]
    assert (await admin(HOLD, {"id": fo["id"]}))["data"]["fulfillmentOrderHold"]["userErrors"] == []
    refused = await create(admin, shipment(fo["id"]))
    assert refused["fulfillment"] is None
    assert "unfulfillable status= on_hold" in refused["userErrors"][0]["message"]


async def test_bad_quantities_and_unknown_ids_get_the_recorded_messages(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await place(server, http, [("A", 1)]))["fulfillment_orders"][0]
    line = fo["line_items"][0]["id"]
    zero = await create(admin, shipment(fo["id"], [{"id": line, "quantity": 0}]))
    assert zero["userErrors"] == [
        {
            "field": [
                "fulfillment",
                "lineItemsByFulfillmentOrder",
                "0",
                "fulfillmentOrderLineItems",
                "0",
                "quantity",
            ],
            "message": "Quantity must be greater than 0",
        }
    ]
    over = await create(admin, shipment(fo["id"], [{"id": line, "quantity": 2}]))
    assert over["userErrors"][0]["message"] == "Invalid fulfillment order line item quantity requested."
    unknown = await create(admin, shipment("gid://shopify/FulfillmentOrder/999999"))
    assert unknown["userErrors"][0]["message"] == "Fulfillment order does not exist."
    state = (await admin(FO, {"id": fo["id"]}))["data"]["fulfillmentOrder"]
    assert state["status"] == "OPEN", "a refused fulfillment changes nothing"


async def test_fulfillment_orders_at_two_locations_are_refused_together(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fos = (await place(server, http, [("A", 1), ("C", 1)]))["fulfillment_orders"]
    assert len({fo["assigned_location_id"] for fo in fos}) == 2, "C is stocked only at West"
    both = shipment(fos[0]["id"])
    both["lineItemsByFulfillmentOrder"].append({"fulfillmentOrderId": fos[1]["id"]})
    refused = await create(admin, both)
    assert refused["userErrors"][0]["message"].startswith(
        "All fulfillment orders must be assigned to a single location. Multiple locations with ids ["
    )


async def test_a_fulfillment_sends_the_fulfillments_create_webhook(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await place(server, http, [("A", 1)]))["fulfillment_orders"][0]
    await create(admin, shipment(fo["id"], numbers=["1Z7"]))
    sent = [d for d in server.emulator.webhooks.deliveries if d.topic == "fulfillments/create"]
    assert len(sent) == 1
    body = sent[0].as_dict()["body"]
    assert (body["tracking_company"], body["tracking_numbers"], body["status"]) == ("UPS", ["1Z7"], "success")
    assert [(line["sku"], line["quantity"]) for line in body["line_items"]] == [("A", 1)]
    assert body["location_id"] == int(location_id(server, "Store").rsplit("/", 1)[-1])
