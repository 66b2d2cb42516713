"""Move, hold, release, split, metafieldsSet and tagsAdd: effects, preconditions and userErrors."""

from __future__ import annotations

import json
from typing import Any

import httpx

from adapters.emulator.server import EmulatorServer
from tests.emulator.conftest import SHOP, Admin, location_id, place

FO = (
    "id status assignedLocation { location { name } } "
    "lineItems(first: 10) { nodes { id sku remainingQuantity } }"
)
MOVE = f"""mutation($id: ID!, $loc: ID!, $lines: [FulfillmentOrderLineItemInput!]) {{
  fulfillmentOrderMove(id: $id, newLocationId: $loc, fulfillmentOrderLineItems: $lines) {{
    movedFulfillmentOrder {{ {FO} }} originalFulfillmentOrder {{ {FO} }} remainingFulfillmentOrder {{ id }}
    userErrors {{ field message }} }} }}"""
HOLD = f"""mutation($id: ID!, $hold: FulfillmentOrderHoldInput!) {{
  fulfillmentOrderHold(id: $id, fulfillmentHold: $hold) {{
    fulfillmentHold {{ id handle heldByRequestingApp }}
    fulfillmentOrder {{ {FO} supportedActions {{ action }} }}
    remainingFulfillmentOrder {{ {FO} }} userErrors {{ field message code }} }} }}"""
RELEASE = """mutation($id: ID!, $holdIds: [ID!]) { fulfillmentOrderReleaseHold(id: $id, holdIds: $holdIds) {
  fulfillmentOrder { id status fulfillmentHolds { id handle } } userErrors { field message code } } }"""
SPLIT = f"""mutation($splits: [FulfillmentOrderSplitInput!]!) {{
  fulfillmentOrderSplit(fulfillmentOrderSplits: $splits) {{
  fulfillmentOrderSplits {{
    fulfillmentOrder {{ {FO} }} remainingFulfillmentOrder {{ {FO} }} replacementFulfillmentOrder {{ id }} }}
  userErrors {{ field message code }} }} }}"""
SET = """mutation($m: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $m) {
  metafields { id namespace key value type compareDigest }
  userErrors { field message code elementIndex } } }"""
TAGS = """mutation($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) {
  node { ... on Order { id tags } } userErrors { field message } } }"""


async def _order(
    server: EmulatorServer, http: httpx.AsyncClient, lines: list[tuple[str, int]]
) -> dict[str, Any]:
    return await place(server, http, lines)


def _lines(fo: dict[str, Any]) -> list[tuple[str, int]]:
    return [(n["sku"], n["remainingQuantity"]) for n in fo["lineItems"]["nodes"]]


async def test_moving_a_whole_fulfillment_order_updates_its_location(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo_id = (await _order(server, http, [("A", 2)]))["fulfillment_orders"][0]["id"]
    move = (await admin(MOVE, {"id": fo_id, "loc": location_id(server, "West")}))["data"][
        "fulfillmentOrderMove"
    ]
    assert move["userErrors"] == []
    assert move["movedFulfillmentOrder"]["id"] == fo_id == move["originalFulfillmentOrder"]["id"]
    assert move["movedFulfillmentOrder"]["assignedLocation"]["location"]["name"] == "West"
    assert move["remainingFulfillmentOrder"] is None
    rows = (
        await http.get(f"{server.base_url}/_emulator/stores/{SHOP}/inventory", params={"sku": "A"})
    ).json()
    committed = {r["location"]: r["committed"] for r in rows}
    assert committed == {"East": 0, "West": 2, "Store": 0}


async def test_a_partial_move_creates_a_new_fulfillment_order_and_keeps_the_rest(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await _order(server, http, [("A", 3), ("B", 1)]))["fulfillment_orders"][0]
    a_line = fo["line_items"][0]["id"]
    variables = {"id": fo["id"], "loc": location_id(server, "West"), "lines": [{"id": a_line, "quantity": 2}]}
    move = (await admin(MOVE, variables))["data"]["fulfillmentOrderMove"]
    assert move["movedFulfillmentOrder"]["id"] != fo["id"]
    assert _lines(move["movedFulfillmentOrder"]) == [("A", 2)]
    assert move["movedFulfillmentOrder"]["lineItems"]["nodes"][0]["id"] != a_line
    assert _lines(move["originalFulfillmentOrder"]) == [("A", 1), ("B", 1)]
    assert move["remainingFulfillmentOrder"]["id"] == fo["id"]


async def test_only_lines_stocked_at_the_destination_move(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await _order(server, http, [("A", 2), ("B", 1)]))["fulfillment_orders"][0]
    move = (await admin(MOVE, {"id": fo["id"], "loc": location_id(server, "West")}))["data"][
        "fulfillmentOrderMove"
    ]
    assert _lines(move["movedFulfillmentOrder"]) == [("A", 2)]
    assert _lines(move["originalFulfillmentOrder"]) == [("B", 1)]


async def test_move_refusals(server: EmulatorServer, http: httpx.AsyncClient, admin: Admin) -> None:
    order = await _order(server, http, [("B", 1), ("C", 1)])
    b_fo, c_fo = (fo["id"] for fo in order["fulfillment_orders"])

    async def errors(fo_id: str, location: str) -> list[dict[str, Any]]:
        result = await admin(MOVE, {"id": fo_id, "loc": location})
        return list(result["data"]["fulfillmentOrderMove"]["userErrors"])

    assert await errors(b_fo, "gid://shopify/Location/999999999") == [
        {"field": ["id"], "message": "Location not found."}
    ]
    assert (await errors(b_fo, location_id(server, "West")))[0]["message"].startswith("None of the requested")
    state_url = f"{server.base_url}/_emulator/stores/{SHOP}/fulfillment_orders/{c_fo}/state"
    await http.post(state_url, json={"request_status": "SUBMITTED"})
    assert (await errors(c_fo, location_id(server, "East")))[0]["message"] == (
        "Cannot move submitted fulfillment order that is at a 3PL fulfillment service."
    )
    await http.post(state_url, json={"status": "CLOSED", "request_status": "UNSUBMITTED"})
    assert await errors(c_fo, location_id(server, "East")) == [
        {"field": None, "message": "Cannot change location."}
    ]


async def test_a_line_item_hold_splits_off_the_rest_and_holds_the_named_quantity(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await _order(server, http, [("A", 5)]))["fulfillment_orders"][0]
    line = fo["line_items"][0]["id"]
    hold = {
        "reason": "INVENTORY_OUT_OF_STOCK",
        "handle": "h1",
        "fulfillmentOrderLineItems": [{"id": line, "quantity": 2}],
    }
    payload = (await admin(HOLD, {"id": fo["id"], "hold": hold}))["data"]["fulfillmentOrderHold"]
    assert payload["userErrors"] == []
    assert payload["fulfillmentHold"]["heldByRequestingApp"] is True
    held = payload["fulfillmentOrder"]
    assert held["status"] == "ON_HOLD" and _lines(held) == [("A", 2)]
    assert [a["action"] for a in held["supportedActions"]] == ["RELEASE_HOLD", "HOLD", "MOVE"]
    assert payload["remainingFulfillmentOrder"]["status"] == "OPEN" and _lines(
        payload["remainingFulfillmentOrder"]
    ) == [("A", 3)]


async def test_hold_refusals_follow_shopify(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await _order(server, http, [("A", 5)]))["fulfillment_orders"][0]
    line = fo["line_items"][0]["id"]

    async def hold(handle: str, lines: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        spec: dict[str, Any] = {"reason": "OTHER", "handle": handle}
        if lines is not None:
            spec["fulfillmentOrderLineItems"] = lines
        return list(
            (await admin(HOLD, {"id": fo["id"], "hold": spec}))["data"]["fulfillmentOrderHold"]["userErrors"]
        )

    assert await hold("h0") == []
    assert [e["code"] for e in await hold("h0")] == ["DUPLICATE_FULFILLMENT_HOLD_HANDLE"]
    assert [e["code"] for e in await hold("h1", [{"id": line, "quantity": 1}])] == [
        "FULFILLMENT_ORDER_NOT_SPLITTABLE"
    ]
    assert [e["code"] for e in await hold("h1", [{"id": line, "quantity": 0}])] == ["GREATER_THAN_ZERO"]
    duplicated = [{"id": line, "quantity": 1}, {"id": line, "quantity": 1}]
    assert [e["code"] for e in await hold("h1", duplicated)] == ["DUPLICATED_FULFILLMENT_ORDER_LINE_ITEMS"]
    for n in range(1, 10):
        assert await hold(f"h{n}") == []
    assert [e["code"] for e in await hold("h10")] == ["FULFILLMENT_ORDER_HOLD_LIMIT_REACHED"]


async def test_release_by_hold_id_leaves_other_holds_and_the_last_release_opens(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo_id = (await _order(server, http, [("A", 1)]))["fulfillment_orders"][0]["id"]
    ours = (await admin(HOLD, {"id": fo_id, "hold": {"reason": "OTHER", "handle": "ours"}}))["data"]
    ours_id = ours["fulfillmentOrderHold"]["fulfillmentHold"]["id"]
    merchant = await http.post(
        f"{server.base_url}/_emulator/stores/{SHOP}/fulfillment_orders/{fo_id}/holds",
        json={"reason": "HIGH_RISK_OF_FRAUD", "handle": "merchant"},
    )
    assert merchant.json()["holds"][1]["held_by_requesting_app"] is False
    released = (await admin(RELEASE, {"id": fo_id, "holdIds": [ours_id]}))["data"][
        "fulfillmentOrderReleaseHold"
    ]
    assert released["fulfillmentOrder"]["status"] == "ON_HOLD"
    assert [h["handle"] for h in released["fulfillmentOrder"]["fulfillmentHolds"]] == ["merchant"]
    everything = (await admin(RELEASE, {"id": fo_id}))["data"]["fulfillmentOrderReleaseHold"]
    assert everything["fulfillmentOrder"] == {"id": fo_id, "status": "OPEN", "fulfillmentHolds": []}


async def test_split_moves_quantities_into_a_new_fulfillment_order(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo = (await _order(server, http, [("A", 3)]))["fulfillment_orders"][0]
    line = fo["line_items"][0]["id"]
    splits = [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": [{"id": line, "quantity": 1}]}]
    result = (await admin(SPLIT, {"splits": splits}))["data"]["fulfillmentOrderSplit"]
    split = result["fulfillmentOrderSplits"][0]
    assert _lines(split["fulfillmentOrder"]) == [("A", 2)] and _lines(split["remainingFulfillmentOrder"]) == [
        ("A", 1)
    ]
    assert split["replacementFulfillmentOrder"] is None
    empty = [{"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": []}]
    refused = (await admin(SPLIT, {"splits": empty}))["data"]["fulfillmentOrderSplit"]
    assert refused["fulfillmentOrderSplits"] is None
    assert refused["userErrors"][0]["code"] == "NO_LINE_ITEMS_PROVIDED_TO_SPLIT"


async def test_metafields_set_is_compare_and_set(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    order_id = (await _order(server, http, [("A", 1)]))["id"]
    entry = {"ownerId": order_id, "namespace": "routing_engine", "key": "decision", "type": "json"}
    created = (await admin(SET, {"m": [{**entry, "value": '{"v":1}', "compareDigest": None}]}))["data"][
        "metafieldsSet"
    ]
    assert created["userErrors"] == []
    digest = created["metafields"][0]["compareDigest"]
    again = (await admin(SET, {"m": [{**entry, "value": '{"v":2}', "compareDigest": None}]}))["data"][
        "metafieldsSet"
    ]
    assert again["metafields"] == [] and again["userErrors"][0]["code"] == "STALE_OBJECT"
    updated = (await admin(SET, {"m": [{**entry, "value": '{"v":2}', "compareDigest": digest}]}))["data"][
        "metafieldsSet"
    ]
    assert updated["userErrors"] == [] and json.loads(updated["metafields"][0]["value"]) == {"v": 2}
    stale = (await admin(SET, {"m": [{**entry, "value": '{"v":3}', "compareDigest": digest}]}))["data"][
        "metafieldsSet"
    ]
    assert stale["userErrors"] == [
        {
            "field": ["metafields", "0"],
            "code": "STALE_OBJECT",
            "elementIndex": None,
            "message": "The resource has been updated since it was loaded. Try again with an "
            "updated `compareDigest` value.",
        }
    ]
    invalid = (await admin(SET, {"m": [{**entry, "value": "{not json"}]}))["data"]["metafieldsSet"]
    assert invalid["userErrors"][0]["code"] == "INVALID_VALUE"
    too_many = [{**entry, "key": f"k{i}", "value": "{}"} for i in range(26)]
    over = (await admin(SET, {"m": too_many}))["data"]["metafieldsSet"]
    assert over["metafields"] is None and over["userErrors"][0]["code"] == "LESS_THAN_OR_EQUAL_TO"
    read = await admin(
        'query($id: ID!) { order(id: $id) { metafield(namespace: "routing_engine", key: "decision") {'
        " value } } }",
        {"id": order_id},
    )
    assert json.loads(read["data"]["order"]["metafield"]["value"]) == {"v": 2}


async def test_tags_add_is_additive_and_sorted(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    order_id = (await _order(server, http, [("A", 1)]))["id"]
    await admin(TAGS, {"id": order_id, "tags": ["routing-engine:routed"]})
    result = (await admin(TAGS, {"id": order_id, "tags": ["b-tag, routing-engine:routed"]}))["data"][
        "tagsAdd"
    ]
    assert result == {"node": {"id": order_id, "tags": ["b-tag", "routing-engine:routed"]}, "userErrors": []}


async def test_every_mutation_is_logged_with_its_user_errors(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo_id = (await _order(server, http, [("A", 1)]))["fulfillment_orders"][0]["id"]
    await admin(MOVE, {"id": fo_id, "loc": "gid://shopify/Location/424242"})
    log = (await http.get(f"{server.base_url}/_emulator/mutations")).json()
    assert log[-1]["mutation"] == "fulfillmentOrderMove" and log[-1]["store"] == SHOP
    assert log[-1]["userErrors"][0]["message"] == "Location not found."
