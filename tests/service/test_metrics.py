"""`GET /metrics`: the series an operator scrapes, counted by the running service.

The service and the Shopify emulator talk over real loopback HTTP; webhooks are posted, decisions
are made and written, then `/metrics` is scraped and read back with prometheus-client's parser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from starlette.applications import Starlette

from adapters.app import Runtime, create_app
from adapters.emulator.server import EmulatorServer
from adapters.loopback import serve_on_loopback
from adapters.metrics import Metrics
from adapters.settings import Settings, StoreConfig
from tests.e2e.conftest import PROJECT, SCENARIO, US, Shopify, eventually

ADMIN_TOKEN = "metrics-test-admin-token-0123456789abcdef"
ROUTING_COMPLETE = "fulfillment_orders/order_routing_complete"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scraped(text: str) -> Samples:
    """Every sample of an exposition, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    assert key in samples, (
        f"{name}{labels} is not exposed; exposed: {sorted(k for k in samples if k[0] == name)}"
    )
    return samples[key]


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= set(have))


def signed_headers(
    store: StoreConfig, body: bytes, *, topic: str | None, webhook_id: str | None
) -> dict[str, str]:
    """The headers Shopify sends, signed with the store's client secret."""
    secret = store.client_secrets[0].get_secret_value().encode()
    digest = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()
    headers = {"X-Shopify-Shop-Domain": store.domain, "X-Shopify-Hmac-Sha256": digest}
    if topic is not None:
        headers["X-Shopify-Topic"] = topic
    if webhook_id is not None:
        headers["X-Shopify-Webhook-Id"] = webhook_id
    return headers


class Service:
    def __init__(self, app: Starlette, url: str, stores: tuple[StoreConfig, ...]) -> None:
        self.app = app
        self.url = url
        self.us = next(store for store in stores if store.domain == US)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def decided(self, order_id: str) -> bool:
        stored = await self.runtime.log.for_order(US, order_id)
        return bool(stored) and all(d.state != "executing" for d in stored)

    async def drained(self) -> bool:
        return (await self.runtime.inbox.counts()).get("pending", 0) == 0

    async def post_webhook(self, body: bytes, headers: dict[str, str]) -> int:
        async with httpx.AsyncClient() as http:
            return (
                await http.post(f"{self.url}/webhooks/shopify", content=body, headers=headers)
            ).status_code

    async def scrape(self) -> tuple[httpx.Response, Samples]:
        async with httpx.AsyncClient() as http:
            response = await http.get(f"{self.url}/metrics")
        return response, scraped(response.text)


@pytest.fixture
async def shopify() -> AsyncIterator[Shopify]:
    async with EmulatorServer(SCENARIO) as server, httpx.AsyncClient(base_url=server.base_url) as control:
        yield Shopify(server, control)


@pytest.fixture
async def service(shopify: Shopify, tmp_path: Path) -> AsyncIterator[Service]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
        rules_dir=PROJECT / "rules",
        api_version="2026-01",
        workers=2,
        max_webhook_bytes=64 * 1024,
        admin_token=SecretStr(ADMIN_TOKEN),
        rules_poll_seconds=0,  # reloads only when asked, so the count is exact
    )
    stores = shopify.stores()
    app = create_app(settings, stores=stores)
    async with serve_on_loopback(app) as url:
        await shopify.send_webhooks_to(f"{url}/webhooks/shopify")
        yield Service(app, url, stores)


async def test_metrics_expose_webhooks_decisions_shopify_calls_queue_and_reloads(
    shopify: Shopify, service: Service
) -> None:
    # One throttled answer and one HTTP 500 on the way: both are retried, both are counted.
    await shopify.faults(throttle_next=1, http_500_next=1)
    order = await shopify.place_order(US, [("NW-0005", 1)])  # moved from Brooklyn Store to Newark DC
    await eventually(lambda: service.decided(order["id"]), what="the decision")

    # Webhooks intake refuses, and one it stores twice.
    unsigned = {"X-Shopify-Shop-Domain": US, "X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "x"}
    assert await service.post_webhook(b"{}", unsigned) == 401
    assert await service.post_webhook(b"{" + b" " * 70_000 + b"}", unsigned) == 413
    no_topic = signed_headers(service.us, b"{}", topic=None, webhook_id="metrics-no-topic")
    assert await service.post_webhook(b"{}", no_topic) == 400
    created = signed_headers(service.us, b"{}", topic="orders/create", webhook_id="metrics-created-1")
    assert await service.post_webhook(b"{}", created) == 200
    assert await service.post_webhook(b"{}", created) == 200
    # A routing webhook that names no fulfillment order fails for good: a dead letter.
    broken = json.dumps({"fulfillment_order": {}}).encode()
    headers = signed_headers(service.us, broken, topic=ROUTING_COMPLETE, webhook_id="metrics-broken-1")
    assert await service.post_webhook(broken, headers) == 200
    await shopify.delivered()
    await eventually(service.drained, what="an empty queue")

    async with httpx.AsyncClient() as http:
        reload = await http.post(
            f"{service.url}/admin/rules/reload", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
    assert reload.status_code == 200 and reload.json()["result"] == "unchanged"

    response, samples = await service.scrape()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")  # what Prometheus reads

    webhooks = "routing_webhooks_received_total"
    assert value(samples, webhooks, topic=ROUTING_COMPLETE, outcome="stored") >= 2  # ours and the broken one
    assert value(samples, webhooks, topic="orders/create", outcome="stored") >= 1
    assert value(samples, webhooks, topic="orders/create", outcome="duplicate") == 1
    # Unsigned or too large: the topic header is not trusted, so it makes no series of its own.
    assert value(samples, webhooks, topic="unverified", outcome="401") == 1
    assert value(samples, webhooks, topic="unverified", outcome="413") == 1
    assert value(samples, webhooks, topic="missing", outcome="400") == 1

    decisions = {k: v for k, v in samples.items() if k[0] == "routing_decisions_total"}
    moves = [v for (_, labels), v in decisions.items() if ("action", "move") in labels]
    assert sum(moves) == 1, decisions  # the one fulfillment order, moved by a named strategy
    strategies = [dict(labels)["strategy"] for (_, labels) in decisions if ("action", "move") in labels]
    assert "none" not in strategies, strategies

    calls = "routing_shopify_calls_total"
    assert value(samples, calls, store=US, kind="query", result="ok") >= 1
    assert value(samples, calls, store=US, kind="mutation", result="ok") >= 2  # move; metafield+tags
    # The faults hit whichever request came next (of either store): counted, whatever it was.
    assert total(samples, calls, result="throttled") == 1
    assert total(samples, calls, result="server_error") == 1
    requested = value(samples, "routing_shopify_cost_points_total", store=US, cost="requested")
    actual = value(samples, "routing_shopify_cost_points_total", store=US, cost="actual")
    assert requested >= actual > 0
    assert total(samples, "routing_shopify_throttle_wait_seconds_total", reason="throttled") > 0

    assert value(samples, "routing_queue_depth") == 0
    assert value(samples, "routing_queue_oldest_pending_age_seconds") == 0
    assert value(samples, "routing_dead_letters") == 1
    assert value(samples, "routing_metrics_store_readable") == 1
    assert value(samples, "routing_lease_takeovers_total", lease="order") == 0
    assert value(samples, "routing_lease_takeovers_total", lease="delivery") == 0
    # No vendors are configured: every status is exposed, at zero.
    assert value(samples, "routing_vendor_purchase_orders", status="sent") == 0
    assert value(samples, "routing_vendor_purchase_orders", status="shipped") == 0
    assert value(samples, "routing_rule_reloads_total", rule_set="live", result="unchanged") == 1
    assert value(samples, "routing_rule_reloads_total", rule_set="live", result="rejected") == 0
    assert value(samples, "routing_rule_reloads_total", rule_set="shadow", result="unchanged") == 0


async def test_the_queue_gauges_are_read_from_the_inbox_at_scrape_time(service: Service) -> None:
    """A delivery still pending is seen by the next scrape: the depth counts it and its age grows."""
    await service.runtime.workers.stop()  # nothing drains the inbox now
    body = json.dumps({"fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1"}}).encode()
    headers = signed_headers(service.us, body, topic=ROUTING_COMPLETE, webhook_id="metrics-pending-1")
    assert await service.post_webhook(body, headers) == 200

    _, first = await service.scrape()
    _, second = await service.scrape()
    assert value(first, "routing_queue_depth") == 1
    assert value(second, "routing_queue_oldest_pending_age_seconds") >= value(
        first, "routing_queue_oldest_pending_age_seconds"
    )
    assert value(second, "routing_queue_oldest_pending_age_seconds") > 0


def test_each_metrics_object_has_its_own_registry() -> None:
    """Two apps in one process count apart, and neither writes to prometheus-client's global registry."""
    first, second = Metrics(), Metrics()
    first.rules_reloaded("rejected")
    first.webhook_answered("orders/paid", 200)

    def reloads(metrics: Metrics) -> float | None:
        return metrics.registry.get_sample_value(
            "routing_rule_reloads_total", {"rule_set": "live", "result": "rejected"}
        )

    assert reloads(first) == 1
    assert reloads(second) == 0
    assert (
        second.registry.get_sample_value(
            "routing_webhooks_received_total", {"topic": "orders/paid", "outcome": "stored"}
        )
        is None
    )
    assert (
        REGISTRY.get_sample_value("routing_rule_reloads_total", {"rule_set": "live", "result": "rejected"})
        is None
    )
