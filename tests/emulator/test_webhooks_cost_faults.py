"""Webhook signing and delivery, query cost and throttling, and fault injection."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.emulator.server import EmulatorServer
from adapters.loopback import serve_on_loopback
from tests.emulator.conftest import SECRET, SHOP, Admin, location_id, place, tiny_scenario


class Receiver:
    """A stand-in for the engine's webhook endpoint that records raw deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.failures = failures
        self.app = Starlette(routes=[Route("/webhooks/shopify", self.handle, methods=["POST"])])
        self.url = ""  # set once it is served

    async def handle(self, request: Request) -> Response:
        if self.failures:
            self.failures -= 1
            return Response(status_code=503)
        self.received.append((dict(request.headers), await request.body()))
        return Response(status_code=200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver(failures=1)
    async with serve_on_loopback(receiver.app) as url:
        receiver.url = f"{url}/webhooks/shopify"
        yield receiver


async def test_webhooks_are_signed_with_the_client_secret_and_retried(
    receiver: Receiver, http: httpx.AsyncClient
) -> None:
    async with EmulatorServer(tiny_scenario(), webhook_url=receiver.url) as server:
        order = await place(server, http, [("A", 1), ("C", 1)])
        await server.emulator.webhooks.drain()
        assert len(receiver.received) == 2
        for headers, body in receiver.received:
            expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
            assert hmac.compare_digest(headers["x-shopify-hmac-sha256"], expected)
            assert headers["x-shopify-topic"] == "fulfillment_orders/order_routing_complete"
            assert headers["x-shopify-shop-domain"] == SHOP
            assert {
                "x-shopify-api-version",
                "x-shopify-webhook-id",
                "x-shopify-event-id",
                "x-shopify-triggered-at",
            } <= set(headers)
        bodies = [json.loads(body) for _, body in receiver.received]
        assert sorted(b["fulfillment_order"]["id"] for b in bodies) == sorted(
            fo["id"] for fo in order["fulfillment_orders"]
        )
        assert all(b["fulfillment_order"]["status"] == "open" for b in bodies)
        log = (await http.get(f"{server.base_url}/_emulator/webhooks")).json()
        # Sent side by side: whichever came first was refused once and sent again.
        assert sorted(d["attempts"] for d in log) == [1, 2]
        assert all(d["status"] == "delivered" for d in log)


async def test_redelivery_repeats_the_same_webhook_id(receiver: Receiver, http: httpx.AsyncClient) -> None:
    receiver.failures = 0
    async with EmulatorServer(tiny_scenario(), webhook_url=receiver.url) as server:
        await place(server, http, [("A", 1)])
        await server.emulator.webhooks.drain()
        delivery = (await http.get(f"{server.base_url}/_emulator/webhooks")).json()[0]
        await http.post(f"{server.base_url}/_emulator/webhooks/{delivery['id']}/redeliver")
        await server.emulator.webhooks.drain()
        ids = [headers["x-shopify-webhook-id"] for headers, _ in receiver.received]
        assert ids == [delivery["id"], delivery["id"]]


async def test_mutations_echo_their_webhooks(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    fo_id = (await place(server, http, [("A", 2)]))["fulfillment_orders"][0]["id"]
    hold = (
        'mutation($id: ID!) { fulfillmentOrderHold(id: $id, fulfillmentHold: {reason: OTHER, handle: "x"})'
        " { userErrors { message } } }"
    )
    await admin(hold, {"id": fo_id})
    await admin(hold.replace('"x"', '"y"'), {"id": fo_id})
    await admin(
        "mutation($id: ID!) { fulfillmentOrderReleaseHold(id: $id) { userErrors { message } } }",
        {"id": fo_id},
    )
    move = (
        "mutation($id: ID!, $l: ID!) { fulfillmentOrderMove(id: $id, newLocationId: $l)"
        " { userErrors { message } } }"
    )
    await admin(move, {"id": fo_id, "l": location_id(server, "West")})
    await server.emulator.webhooks.drain()
    topics = [d.topic for d in server.emulator.webhooks.deliveries]
    assert topics == [
        "fulfillment_orders/order_routing_complete",
        "fulfillment_orders/placed_on_hold",
        "fulfillment_holds/added",  # first hold only
        "fulfillment_holds/added",
        "fulfillment_holds/released",
        "fulfillment_holds/released",
        "fulfillment_orders/hold_released",
        "fulfillment_orders/moved",
    ]
    moved = json.loads(server.emulator.webhooks.deliveries[-1].body)
    assert moved["source_location"] == {"id": location_id(server, "East")}
    assert moved["destination_location_id"] == location_id(server, "West")
    assert all(d.status == "logged" for d in server.emulator.webhooks.deliveries)  # no URL configured


async def test_costs_follow_shopifys_formula(admin: Admin) -> None:
    result = await admin("{ shop { name } locations(first: 5) { nodes { id name address { city } } } }")
    # shop 1; locations: 2 + ceil(log2 5) x (node 1 + address 1) = 8
    assert result["extensions"]["cost"]["requestedQueryCost"] == 9
    mutation = await admin(
        'mutation { tagsAdd(id: "gid://shopify/Order/1", tags: ["x"])'
        " { node { id } userErrors { message } } }"
    )
    assert mutation["extensions"]["cost"]["requestedQueryCost"] == 10


async def test_an_empty_bucket_throttles_without_data(http: httpx.AsyncClient) -> None:
    async with EmulatorServer(tiny_scenario(maximum_available=15, restore_rate=1)) as server:
        admin = Admin(http, server.admin_api_url(SHOP))
        query = "{ locations(first: 5) { nodes { id address { city } } } }"  # costs 8
        first = await admin(query)
        second = await admin(query)
        assert first["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 15
        assert "data" not in second
        assert second["errors"] == [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ]
        assert second["extensions"]["cost"]["actualQueryCost"] is None
        accounting = (await http.get(f"{server.base_url}/_emulator/accounting")).json()[SHOP]
        assert accounting["calls"] == 2 and accounting["throttled"] == 1


async def test_a_query_over_1000_points_is_refused(admin: Admin) -> None:
    query = (
        "{ orders(first: 250) { nodes { fulfillmentOrders(first: 250) { nodes {"
        " lineItems(first: 250) { nodes { lineItem { variant { product { id } } } } } } } } } }"
    )
    result = await admin(query)
    assert result["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert "exceeds the single query max cost limit (1000)" in result["errors"][0]["message"]


async def _fault(server: EmulatorServer, http: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await http.post(f"{server.base_url}/_emulator/faults", json=body)
    assert response.status_code == 200


async def test_injected_faults_hit_the_next_calls_only(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    await _fault(server, http, {"throttle_next": 1, "http_500_next": 1})
    assert (await admin.post("{ shop { name } }")).status_code == 500
    assert (await admin("{ shop { name } }"))["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert (await admin("{ shop { name } }"))["data"]["shop"]["name"] == "Tiny"
    await _fault(server, http, {"drop_connection_next": 1})
    with pytest.raises(httpx.HTTPError):
        await admin.post("{ shop { name } }")
    await _fault(server, http, {"delay_next_seconds": 0.3, "count": 1})
    with pytest.raises(httpx.ReadTimeout):
        await admin.client.post(
            admin.url,
            json={"query": "{ shop { name } }"},
            headers={"X-Shopify-Access-Token": admin.token},
            timeout=0.1,
        )


async def test_a_lost_answer_leaves_the_write_in_place(
    server: EmulatorServer, http: httpx.AsyncClient, admin: Admin
) -> None:
    order = await place(server, http, [("A", 1)])
    await _fault(server, http, {"lose_answer_next": 1})
    tags_add = 'mutation T($id: ID!) { tagsAdd(id: $id, tags: ["landed"]) { userErrors { message } } }'
    with pytest.raises(httpx.HTTPError):
        await admin.post(tags_add, {"id": order["id"]})
    after = (await http.get(f"{server.base_url}/_emulator/stores/{SHOP}/orders/{order['name'][1:]}")).json()
    assert after["tags"] == ["landed"], "the mutation ran; only its answer was lost"
