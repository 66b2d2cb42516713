"""The coordination service's side of cross-store hand-offs, end to end over loopback HTTP.

Two stores of the emulator; US hands the lines only CA's Toronto DC can fill to its stand-in in
`coordinator` mode, so the coordination service (a loopback receiver here) makes CA ship: it
hears `decision.made` and `handoff.created` (each signed, checked with `verify_signature`), lists
the open hand-offs, and completes one with tracking (the fulfillment appears in US with it, and
`handoff.completed` follows) or fails another (the order goes back through the fallback chain and
leaves the stand-in). The API also answers inventory by SKU for both stores, from its view once
read, which a store's signed `inventory_levels/update` webhook refreshes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.app import create_app
from adapters.emulator.fulfillment_create import fulfillments_of
from adapters.emulator.server import EmulatorServer
from adapters.emulator.webhooks import sign
from adapters.events import InvalidSignature, verify_signature
from adapters.loopback import serve_on_loopback
from adapters.settings import Settings, StoreConfig
from tests.e2e.conftest import CA, PROJECT, US, Shopify, eventually
from tests.e2e.test_cross_store import ADDRESS, STAND_IN

SCENARIO = PROJECT / "fixtures" / "scenarios" / "two-stores-toronto-stand-in.json"
SECRET = "coordination-events-secret-0123456789abcdef"
TOKEN = "coordinator-e2e-token-0123456789abcdef"
# Toronto first (through US's stand-in), then US's own Newark DC: a failed hand-off falls to Newark.
RULES = f"""\
strategies:
  - {{id: toronto, locations: [{{store: {CA}, location: Toronto DC}}]}}
  - {{id: newark, locations: [Newark DC]}}
fallback: {{hold: {{reason: INVENTORY_OUT_OF_STOCK, note: "{{order}}: short {{short_skus}}"}}}}
"""
TOKENS = f"""\
[[tokens]]
name = "coordinator"
token = "{TOKEN}"
scopes = ["decisions:read", "inventory:read", "handoffs:read", "handoffs:write"]
"""


@dataclass
class Receiver:
    """The coordination service's event endpoint: keeps each event whose signature checks out."""

    events: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        try:
            verify_signature(
                SECRET,
                request.headers.get("X-Routing-Timestamp", ""),
                body,
                request.headers.get("X-Routing-Signature", ""),
            )
        except InvalidSignature as exc:
            self.refused.append(str(exc))
            return JSONResponse({"error": str(exc)}, status_code=401)
        event: dict[str, Any] = json.loads(body)
        assert request.headers["X-Routing-Event-Type"] == event["type"]
        assert request.headers["X-Routing-Event-Id"] == event["id"]
        self.events.append(event)
        return JSONResponse({"ok": True})

    def of(self, type: str, order_id: str) -> list[dict[str, Any]]:
        """Events of `type` about the US order `order_id`."""
        return [
            e
            for e in self.events
            if e["type"] == type
            and order_id
            in (e["data"].get("order_id"), e["data"].get("handoff", {}).get("origin", {}).get("order_id"))
        ]


@pytest.fixture
async def shopify() -> AsyncIterator[Shopify]:
    async with EmulatorServer(SCENARIO) as server, httpx.AsyncClient(base_url=server.base_url) as control:
        yield Shopify(server, control)


def coordinated(stores: tuple[StoreConfig, ...]) -> tuple[StoreConfig, ...]:
    """US with CA's Toronto DC standing in, hand-offs made by the coordination service."""
    stand_ins = ({"store": CA, "location": "Toronto DC", "stand_in": STAND_IN},)
    return tuple(
        StoreConfig.model_validate(
            {**store.model_dump(), "stand_ins": stand_ins, "handoff_mode": "coordinator"}
        )
        if store.domain == US
        else store
        for store in stores
    )


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    kept = Receiver()
    app = Starlette(routes=[Route("/events", kept.receive, methods=["POST"])])
    async with serve_on_loopback(app) as url:
        yield kept, f"{url}/events"


@pytest.fixture
async def api(
    shopify: Shopify, receiver: tuple[Receiver, str], tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The service's API, as the coordination service calls it."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "routing.yaml").write_text(RULES)
    tokens = tmp_path / "api-tokens.toml"
    tokens.write_text(TOKENS)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
        rules_dir=rules,
        api_version="2026-01",
        workers=2,
        reconcile_seconds=0,
        api_tokens_file=tokens,
        events_url=receiver[1],
        events_secret=SecretStr(SECRET),
        events_max_backoff_seconds=1.0,
    )
    app = create_app(settings, stores=coordinated(shopify.stores()))
    async with serve_on_loopback(app) as url:
        await shopify.send_webhooks_to(f"{url}/webhooks/shopify")
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=f"{url}/api/v1", headers=headers, timeout=30) as client:
            yield client


async def handed_off(shopify: Shopify, receiver: Receiver, lines: list[tuple[str, int]]) -> dict[str, Any]:
    """Place a US order and wait for its `handoff.created` event; the order, with the event's hand-off."""
    order = await shopify.place_order(US, lines, shipping_address=ADDRESS)

    async def created() -> bool:
        return bool(receiver.of("handoff.created", order["id"]))

    await eventually(created, what=f"handoff.created for {order['name']}")
    [event] = receiver.of("handoff.created", order["id"])
    return {**order, "handoff": event["data"]["handoff"]}


async def test_a_handed_off_order_is_announced_listed_and_completed_with_tracking_by_the_coordinator(
    shopify: Shopify, receiver: tuple[Receiver, str], api: httpx.AsyncClient
) -> None:
    events, _ = receiver
    order = await handed_off(shopify, events, [("NW-0014", 2)])
    handoff = order["handoff"]
    assert (handoff["status"], handoff["mode"], handoff["fulfilling"]["store"]) == ("open", "coordinator", CA)
    assert [(line["sku"], line["quantity"]) for line in handoff["lines"]] == [("NW-0014", 2)]
    [decision] = events.of("decision.made", order["id"])
    assert decision["data"]["store"] == US and "handoff" in decision["data"]["intents"]
    # Coordinator mode: the engine creates no linked order in CA; the coordination service ships.
    assert not shopify.server.emulator.state.stores[CA].orders

    listed = await api.get(f"/stores/{US}/handoffs", params={"status": "open"})
    assert listed.status_code == 200, listed.text
    assert [h["id"] for h in listed.json()["handoffs"]] == [handoff["id"]]

    tracking = {"tracking_company": "Canada Post", "tracking_numbers": ["CP555000111CA"]}
    done = await api.post(f"/handoffs/{handoff['id']}/complete", json=tracking)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    emulator = shopify.server.emulator
    made = fulfillments_of(emulator.state, emulator.state.stores[US], order["id"])
    assert [(f.tracking[0].company, f.tracking[0].number) for f in made] == [("Canada Post", "CP555000111CA")]

    async def completed_told() -> bool:
        return bool(events.of("handoff.completed", order["id"]))

    await eventually(completed_told, what="handoff.completed")
    [completed] = events.of("handoff.completed", order["id"])
    assert completed["data"]["handoff"]["tracking"]["numbers"] == ["CP555000111CA"]
    assert events.refused == []
    still_open = await api.get(f"/stores/{US}/handoffs", params={"status": "open"})
    assert still_open.json()["handoffs"] == []


async def test_a_failed_hand_off_sends_the_order_back_through_the_fallback_chain_off_the_stand_in(
    shopify: Shopify, receiver: tuple[Receiver, str], api: httpx.AsyncClient
) -> None:
    events, _ = receiver
    # Camp mugs: Toronto DC has 10 and US's Newark DC 50, so Newark is the next in the chain.
    order = await handed_off(shopify, events, [("NW-0004", 1)])
    failed = await api.post(
        f"/handoffs/{order['handoff']['id']}/fail", json={"reason": "Toronto DC is closed"}
    )
    assert failed.status_code == 200, failed.text
    assert failed.json()["status"] == "failed"

    async def at_newark() -> bool:
        fos = (await shopify.order(US, order["id"]))["fulfillment_orders"]
        return [fo["assigned_location_name"] for fo in fos if fo["status"] != "CLOSED"] == ["Newark DC"]

    await eventually(at_newark, what="the fulfillment order moved from the stand-in to Newark DC")
    fos = (await shopify.order(US, order["id"]))["fulfillment_orders"]
    [fo] = [fo for fo in fos if fo["status"] != "CLOSED"]
    assert fo["holds"] == [], "the hand-off's hold went with it"

    async def decided_again() -> bool:
        return len(events.of("decision.made", order["id"])) == 2

    await eventually(decided_again, what="a second decision.made after the failure")
    first, again = sorted(events.of("decision.made", order["id"]), key=lambda e: e["created_at"])
    assert [fo["strategy"] for fo in first["data"]["fulfillment_orders"]] == ["toronto"]
    assert [fo["strategy"] for fo in again["data"]["fulfillment_orders"]] == ["newark"]
    assert events.of("handoff.failed", order["id"])[0]["data"]["handoff"]["status"] == "failed"
    assert events.refused == []


async def test_cancelling_the_origins_order_tells_the_coordinator_to_stop_the_shipment(
    shopify: Shopify, receiver: tuple[Receiver, str], api: httpx.AsyncClient
) -> None:
    events, _ = receiver
    order = await handed_off(shopify, events, [("NW-0014", 1)])
    cancelled = await shopify.control.post(f"/_emulator/stores/{US}/orders/{order['id']}/cancel", json={})
    cancelled.raise_for_status()

    async def cancellation_told() -> bool:
        return bool(events.of("handoff.cancelled", order["id"]))

    await eventually(cancellation_told, what="handoff.cancelled")
    [told] = events.of("handoff.cancelled", order["id"])
    assert told["data"]["handoff"]["id"] == order["handoff"]["id"]
    assert told["data"]["handoff"]["status"] == "cancelled"
    assert "cancelled" in told["data"]["handoff"]["detail"]
    assert events.refused == []


async def test_inventory_by_sku_answers_for_both_stores(shopify: Shopify, api: httpx.AsyncClient) -> None:
    answer = await api.get("/inventory", params={"sku": "NW-0014"})
    assert answer.status_code == 200, answer.text
    [tent] = answer.json()["skus"]
    by_store = {
        entry["store"]: {f["location_name"]: f["available"] for f in entry["locations"]}
        for entry in tent["stores"]
    }
    assert by_store[CA]["Toronto DC"] == 5
    assert by_store[US]["Newark DC"] == 0
    assert answer.json()["unavailable"] == []
    again = await api.get("/inventory", params={"sku": "NW-0014"})
    assert {f["source"] for entry in again.json()["skus"][0]["stores"] for f in entry["locations"]} == {
        "cache"
    }


async def test_an_inventory_levels_update_webhook_refreshes_the_view_the_api_answers_from(
    shopify: Shopify, api: httpx.AsyncClient
) -> None:
    first = await api.get("/inventory", params={"sku": "NW-0014"})
    [ca] = [e for e in first.json()["skus"][0]["stores"] if e["store"] == CA]
    [toronto] = [f for f in ca["locations"] if f["location_name"] == "Toronto DC"]
    # CA's Shopify tells of a new figure, as it sends the topic: numeric ids, signed with CA's secret.
    body = json.dumps(
        {
            "inventory_item_id": int(toronto["inventory_item_id"].rsplit("/", 1)[1]),
            "location_id": int(toronto["location_id"].rsplit("/", 1)[1]),
            "available": 2,
            "updated_at": datetime.now(UTC).isoformat(),
        }
    ).encode()
    [secret] = [s.client_secret for s in shopify.server.emulator.scenario.stores if s.domain == CA]
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "inventory_levels/update",
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": CA,
        "X-Shopify-API-Version": "2026-01",
        "X-Shopify-Webhook-Id": "inventory-level-toronto-tent-1",
        "X-Shopify-Event-Id": "inventory-level-event-1",
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
    }
    service = str(api.base_url).removesuffix("/api/v1/").removesuffix("/api/v1")
    stored = await api.post(f"{service}/webhooks/shopify", content=body, headers=headers)
    assert stored.status_code == 200, stored.text

    async def toronto_is_two() -> bool:
        again = await api.get("/inventory", params={"sku": "NW-0014"})
        [there] = [e for e in again.json()["skus"][0]["stores"] if e["store"] == CA]
        return {f["location_name"]: (f["available"], f["source"]) for f in there["locations"]}.get(
            "Toronto DC"
        ) == (2, "cache")

    await eventually(toronto_is_two, what="the webhook's figure in the inventory view")


async def test_an_order_in_the_other_store_reaches_the_view_through_shopifys_own_level_webhook(
    shopify: Shopify, api: httpx.AsyncClient
) -> None:
    """Subscribed to `inventory_levels/update`, the emulator sends one for each level an order commits."""
    first = await api.get("/inventory", params={"sku": "NW-0014"})
    [ca] = [e for e in first.json()["skus"][0]["stores"] if e["store"] == CA]
    assert {f["location_name"]: f["available"] for f in ca["locations"]}["Toronto DC"] == 5
    service = str(api.base_url).removesuffix("/api/v1/").removesuffix("/api/v1")
    subscribed = await shopify.control.post(
        "/_emulator/webhooks/config",
        json={
            "url": f"{service}/webhooks/shopify",
            "topics": ["fulfillment_orders/order_routing_complete", "inventory_levels/update"],
        },
    )
    assert subscribed.json()["topics"] == [
        "fulfillment_orders/order_routing_complete",
        "inventory_levels/update",
    ]

    await shopify.place_order(CA, [("NW-0014", 2)], shipping_address=ADDRESS)

    async def toronto_is_three() -> bool:
        again = await api.get("/inventory", params={"sku": "NW-0014"})
        [there] = [e for e in again.json()["skus"][0]["stores"] if e["store"] == CA]
        return {f["location_name"]: (f["available"], f["source"]) for f in there["locations"]}.get(
            "Toronto DC"
        ) == (3, "cache")

    await eventually(toronto_is_three, what="CA's committed tents in the inventory view, by webhook")
    levels = await shopify.webhooks("inventory_levels/update")
    assert [(hook["shop"], hook["body"]["available"]) for hook in levels] == [(CA, 3)], levels


async def test_the_emulator_refuses_a_subscription_that_is_not_a_list_of_topics(shopify: Shopify) -> None:
    answer = await shopify.control.post(
        "/_emulator/webhooks/config", json={"url": None, "topics": "inventory_levels/update"}
    )
    assert answer.status_code == 400
    assert "a list of webhook topics" in answer.json()["error"]
