"""A webhook from Shopify becomes a routing decision written back to Shopify, end to end."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from adapters.app import Runtime, create_app
from adapters.logs import formatter_for
from adapters.loopback import serve_on_loopback
from adapters.settings import Settings
from engine.intents import hold_handle
from tests.e2e.conftest import PROJECT, US, Shopify, eventually, repeated_writes


class Service:
    def __init__(self, app: Starlette, url: str) -> None:
        self.app = app
        self.url = url

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def decisions(self, store: str, order_id: str) -> list[object]:
        return list(await self.runtime.log.for_order(store, order_id))

    async def decided(self, store: str, order_id: str) -> bool:
        stored = await self.runtime.log.for_order(store, order_id)
        return bool(stored) and all(d.state != "executing" for d in stored)

    async def drained(self) -> bool:
        return (await self.runtime.inbox.counts()).get("pending", 0) == 0


@pytest.fixture
async def service(shopify: Shopify, tmp_path: Path) -> AsyncIterator[Service]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
        rules_dir=PROJECT / "rules",
        api_version="2026-01",
        workers=2,
    )
    app = create_app(settings, stores=shopify.stores())
    async with serve_on_loopback(app) as url:
        await shopify.send_webhooks_to(f"{url}/webhooks/shopify")
        yield Service(app, url)


async def test_an_order_routed_to_the_wrong_location_is_moved_and_annotated(
    shopify: Shopify, service: Service
) -> None:
    # Shopify's own routing puts NW-0005 at Brooklyn Store; our rules prefer Newark DC first.
    order = await shopify.place_order(US, [("NW-0005", 1)])
    assert order["fulfillment_orders"][0]["assigned_location_name"] == "Brooklyn Store"
    await eventually(lambda: service.decided(US, order["id"]), what="the decision")
    after = await shopify.order(US, order["id"])
    assert [fo["assigned_location_name"] for fo in after["fulfillment_orders"] if fo["status"] == "OPEN"] == [
        "Newark DC"
    ]
    summary = json.loads(after["metafields"]["routing_engine.decision"]["value"])
    assert after["metafields"]["routing_engine.decision"]["type"] == "json"
    assert summary["outcome"] == "routed" and summary["fulfillment_orders"][0]["action"] == "move"
    assert "routing-engine:routed" in after["tags"]
    assert [m["mutation"] for m in await shopify.mutations()] == [
        "fulfillmentOrderMove",
        "metafieldsSet",
        "tagsAdd",
    ]


async def test_an_order_no_location_can_ship_complete_is_held_with_a_note(
    shopify: Shopify, service: Service
) -> None:
    order = await shopify.place_order(US, [("NW-0007", 500)])
    await eventually(lambda: service.decided(US, order["id"]), what="the decision")
    (fo,) = (await shopify.order(US, order["id"]))["fulfillment_orders"]
    (hold,) = fo["holds"]
    assert fo["status"] == "ON_HOLD"
    assert (
        hold["handle"] == hold_handle("INVENTORY_OUT_OF_STOCK") and hold["reason"] == "INVENTORY_OUT_OF_STOCK"
    )
    assert "NW-0007 (need 500" in hold["reason_notes"]


async def test_the_same_webhook_delivered_twice_gives_one_decision(
    shopify: Shopify, service: Service
) -> None:
    order = await shopify.place_order(US, [("NW-0005", 1)])
    await eventually(lambda: service.decided(US, order["id"]), what="the decision")
    await shopify.delivered()
    (routing,) = await shopify.webhooks("fulfillment_orders/order_routing_complete")
    writes = await shopify.mutations()
    await shopify.control.post(f"/_emulator/webhooks/{routing['id']}/redeliver")
    await shopify.delivered()
    await eventually(service.drained, what="the inbox to drain")
    assert len(await service.decisions(US, order["id"])) == 1
    assert await shopify.mutations() == writes
    (again,) = await shopify.webhooks("fulfillment_orders/order_routing_complete")
    assert again["response_status"] == 200


async def test_the_webhooks_of_our_own_writes_start_no_decision(shopify: Shopify, service: Service) -> None:
    order = await shopify.place_order(US, [("NW-0005", 1)])
    await eventually(lambda: service.decided(US, order["id"]), what="the decision")
    await shopify.delivered()
    await eventually(service.drained, what="the inbox to drain")
    (moved,) = await shopify.webhooks("fulfillment_orders/moved")
    row = await service.runtime.inbox.get(moved["id"])
    assert row is not None and row.state == "echo"
    assert len(await service.decisions(US, order["id"])) == 1


async def test_a_throttled_response_is_waited_out(shopify: Shopify, service: Service) -> None:
    await shopify.faults(throttle_next=2)
    order = await shopify.place_order(US, [("NW-0005", 1)])
    await eventually(lambda: service.decided(US, order["id"]), what="the decision")
    accounting = service.runtime.clients[US].accounting
    assert accounting.throttle_waits >= 1
    assert repeated_writes(await shopify.mutations()) == []
    (fo,) = [
        fo for fo in (await shopify.order(US, order["id"]))["fulfillment_orders"] if fo["status"] == "OPEN"
    ]
    assert fo["assigned_location_name"] == "Newark DC"


async def test_a_server_error_from_shopify_is_retried(shopify: Shopify, service: Service) -> None:
    await shopify.faults(http_500_next=2)
    order = await shopify.place_order(US, [("NW-0002", 1)])
    await eventually(lambda: service.decided(US, order["id"]), what="the decision")
    assert repeated_writes(await shopify.mutations()) == []


async def test_a_burst_of_orders_is_each_decided_once(shopify: Shopify, service: Service) -> None:
    orders = [await shopify.place_order(US, [(f"NW-{n:04d}", 1)]) for n in range(1, 13)]
    for order in orders:
        await eventually(lambda order=order: service.decided(US, order["id"]), what=f"order {order['name']}")
    assert repeated_writes(await shopify.mutations()) == []
    for order in orders:
        assert len(await service.decisions(US, order["id"])) >= 1


async def test_health_and_readiness_answer(service: Service) -> None:
    async with httpx.AsyncClient(base_url=service.url) as http:
        assert (await http.get("/healthz")).json() == {"status": "alive"}
        ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "rules": f"loaded {service.runtime.ruleset.version}"}


async def test_secrets_appear_in_no_log_line_and_no_stored_row(
    shopify: Shopify, service: Service, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    # The service's structured lines too (adapters.logs), as `serve` writes them: valid JSON with ids.
    json_lines = io.StringIO()
    handler = logging.StreamHandler(json_lines)
    handler.setFormatter(formatter_for("json", json_lines))
    logging.getLogger().addHandler(handler)
    try:
        await shopify.faults(http_500_next=1)
        order = await shopify.place_order(US, [("NW-0007", 500)])
        await eventually(lambda: service.decided(US, order["id"]), what="the decision")

        async def logged() -> bool:  # the worker logs once its delivery is finished, a moment later
            text = json_lines.getvalue()
            return '"decision_id"' in text and order["id"] in text

        await eventually(logged, what="the worker's line about the decision")
    finally:
        logging.getLogger().removeHandler(handler)
    secrets = [
        value.get_secret_value()
        for store in shopify.stores()
        for value in (store.access_token, *store.client_secrets)
    ]
    stored = (tmp_path / "routing.db").read_bytes() + (tmp_path / "routing.db-wal").read_bytes()
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in json_lines.getvalue()
        assert secret.encode() not in stored
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    decided = [line for line in lines if line.get("decision_id") and line.get("order_id") == order["id"]]
    assert decided and all(line["shop"] == US and line["webhook_id"] for line in decided)
