"""Replays of real Shopify exchanges: the emulator must answer recorded mutations as Shopify did.

Each test builds an equivalent state (same lines and quantities, locations in the same roles),
replays the recorded documents with ids mapped to the emulator's, and compares the answers:
same shape, same nulls, same statuses, quantities, userError messages, fields and codes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from adapters.emulator.scenario import parse_scenario
from adapters.emulator.server import EmulatorServer
from tests.emulator.conftest import Admin
from tests.emulator.recordings import RECORDINGS, assert_same_answer, learn_ids, recording, remap, to_2026_01

pytestmark = pytest.mark.skipif(
    not RECORDINGS.is_dir(),
    reason=f"Shopify recordings not found at {RECORDINGS} (set ROUTING_SHOPIFY_RECORDINGS)",
)
SHOP = "replay.myshopify.com"


@pytest.fixture
async def replay(http: httpx.AsyncClient) -> AsyncIterator[Replay]:
    def loc(name: str) -> dict[str, Any]:
        return {"name": name, "address": {"country_code": "US"}}

    scenario = parse_scenario(
        {
            "stores": [
                {
                    "domain": SHOP,
                    "name": "Replay",
                    "access_token": "t",
                    "client_secret": "s",
                    "native_routing": ["My Custom Location", "Shop location", "Main"],
                    "locations": [loc("My Custom Location"), loc("Shop location"), loc("Main")],
                    "products": [
                        {
                            "sku": "M1",
                            "title": "Movable 1",
                            "stock": {"My Custom Location": 50, "Shop location": 50},
                        },
                        {
                            "sku": "M2",
                            "title": "Movable 2",
                            "stock": {"My Custom Location": 50, "Shop location": 50},
                        },
                        {"sku": "S1", "title": "Shop 1", "stock": {"Shop location": 50}},
                        {"sku": "S2", "title": "Shop 2", "stock": {"Shop location": 50}},
                        {"sku": "B1", "title": "Main 1", "stock": {"Main": 50}},
                    ],
                }
            ]
        }
    )
    async with EmulatorServer(scenario) as server:
        yield Replay(server, http)


class Replay:
    def __init__(self, server: EmulatorServer, http: httpx.AsyncClient) -> None:
        self.server, self.http = server, http
        self.admin = Admin(http, server.admin_api_url(SHOP), token="t")
        self.ids: dict[str, str] = {}

    def location(self, name: str) -> str:
        found = self.server.state.stores[SHOP].location_by_name(name)
        assert found is not None
        return found.id

    async def order(self, lines: list[tuple[str, int]], tags: list[str] | None = None) -> dict[str, Any]:
        body = {"lines": [{"sku": s, "quantity": q} for s, q in lines], "tags": tags or []}
        response = await self.http.post(f"{self.server.base_url}/_emulator/stores/{SHOP}/orders", json=body)
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    async def set_state(self, fo_id: str, **state: str) -> None:
        url = f"{self.server.base_url}/_emulator/stores/{SHOP}/fulfillment_orders/{fo_id}/state"
        assert (await self.http.post(url, json=state)).status_code == 200

    async def check(self, call: dict[str, Any], query: str | None = None) -> dict[str, Any]:
        """Replay one recorded call and compare; learn the id pairs for later calls."""
        document, dropped = to_2026_01(query or call["query"])
        recorded = call["response"].get("payload", call["response"])
        ours = await self.admin(document, remap(call["variables"], self.ids))
        if "errors" in recorded:
            assert [(e["message"], e.get("path")) for e in ours.get("errors", [])] == [
                (e["message"], e.get("path")) for e in recorded["errors"]
            ]
        else:
            assert "errors" not in ours, ours["errors"]
        assert_same_answer(recorded["data"], ours["data"], dropped, "data")
        cost, recorded_cost = ours["extensions"]["cost"], recorded["extensions"]["cost"]
        assert set(cost) == set(recorded_cost)
        assert cost["requestedQueryCost"] == recorded_cost["requestedQueryCost"]
        learn_ids(recorded["data"], ours["data"], self.ids)
        return ours


async def test_move_validation_cases(replay: Replay) -> None:
    rec = recording("2026-04__shipping-fulfillments__fulfillment-order-move-validation.json")
    replay.ids[rec["metadata"]["destinationLocationId"]] = replay.location("Shop location")
    for case, state in [
        ("happyPath", {}),
        ("unknownLocation", {}),
        ("closed", {"status": "CLOSED"}),
        ("progress", {"status": "IN_PROGRESS"}),
        ("requestStatus", {"request_status": "SUBMITTED"}),
    ]:
        order = await replay.order([("M1", 1)])
        fo_id = order["fulfillment_orders"][0]["id"]
        move = next(v for k, v in rec[case].items() if k.startswith("move"))
        replay.ids[move["variables"]["id"]] = fo_id
        if state:
            await replay.set_state(fo_id, **state)
        await replay.check(move)


async def test_partial_multi_line_move(replay: Replay) -> None:
    rec = recording("2026-04__shipping-fulfillments__fulfillment-order-move-multi-line.json")
    meta = rec["metadata"]
    fo = (await replay.order([("M1", 2), ("M2", 3)]))["fulfillment_orders"][0]
    replay.ids[meta["createdOrder"]["fulfillmentOrderId"]] = fo["id"]
    for recorded_line, ours in zip(
        meta["createdOrder"]["fulfillmentOrderLineItemIds"], fo["line_items"], strict=True
    ):
        replay.ids[recorded_line] = ours["id"]
    replay.ids[meta["destinationLocationId"]] = replay.location("Shop location")
    await replay.check(rec["workflow"]["move"])


async def test_hold_validation_sequence(replay: Replay) -> None:
    rec = recording("2026-04__shipping-fulfillments__fulfillment-order-hold-validation.json")
    created = rec["metadata"]["createdOrder"]
    fo = (await replay.order([("M1", 5)]))["fulfillment_orders"][0]
    replay.ids[created["fulfillmentOrderId"]] = fo["id"]
    replay.ids[created["fulfillmentOrderLineItemId"]] = fo["line_items"][0]["id"]
    steps = rec["workflows"]["validation"]
    for name in ["firstHold", "duplicateHandle", "notSplittable", "secondHold"]:
        await replay.check(steps[name])
    for step in steps["additionalHolds"]:
        await replay.check(step)
    for name in ["limitReached", "zeroQuantity", "duplicateLineItems"]:
        await replay.check(steps[name])


async def test_selective_release(replay: Replay) -> None:
    rec = recording("2026-04__shipping-fulfillments__fulfillment-order-release-hold-selective.json")
    fo = (await replay.order([("M1", 2)]))["fulfillment_orders"][0]
    replay.ids[rec["metadata"]["createdOrder"]["fulfillmentOrderId"]] = fo["id"]
    steps = rec["workflows"]["selectiveRelease"]
    for name in ["firstHold", "secondHold", "releaseFirstHold"]:
        await replay.check(steps[name])
    await replay.check(rec["cleanup"]["releaseRemainingHold"])


async def test_split_validation_and_multi_split(replay: Replay) -> None:
    rec = recording("2026-04__shipping-fulfillments__fulfillment-order-split-multi.json")
    recorded_orders = rec["metadata"]["createdOrders"]
    ours = [await replay.order([("S1", 2), ("S2", 3)]), await replay.order([("B1", 3)])]
    for recorded_order, order in zip(recorded_orders, ours, strict=True):
        fo = order["fulfillment_orders"][0]
        replay.ids[recorded_order["fulfillmentOrderId"]] = fo["id"]
        for recorded_line, line in zip(
            recorded_order["fulfillmentOrderLineItemIds"], fo["line_items"], strict=True
        ):
            replay.ids[recorded_line] = line["id"]
    for name in ["emptyLineItems", "zeroQuantity", "unknownFulfillmentOrder", "multiSplit"]:
        await replay.check(rec["captures"][name])


METAFIELDS_SET = """mutation MetafieldsSet($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { id namespace key type value compareDigest }
    userErrors { field message code elementIndex }
  }
}"""


async def test_metafields_set_compare_and_set(replay: Replay) -> None:
    order = await replay.order([("M1", 1)])
    # The recordings set metafields on a product; the engine sets them on orders, same rules.
    parity = recording("2025-01__products__metafields-set-parity.json")["mutation"]
    replay.ids[parity["variables"]["metafields"][0]["ownerId"]] = order["id"]
    for name in ["parity", "cas-success-parity", "stale-digest-parity", "over-limit-parity"]:
        mutation = recording(f"2025-01__products__metafields-set-{name}.json")["mutation"]
        await replay.check(mutation, METAFIELDS_SET)


async def test_tags_add(replay: Replay) -> None:
    rec = recording("2025-01__products__tags-add-parity.json")["mutation"]
    order = await replay.order([("M1", 1)], tags=["existing"])
    replay.ids[rec["variables"]["id"]] = order["id"]
    document = """mutation TagsAdd($id: ID!, $tags: [String!]!) {
      tagsAdd(id: $id, tags: $tags) { node { id ... on Order { tags } } userErrors { field message } } }"""
    await replay.check(rec, document)
