"""Reconciliation finds the orders whose webhook was lost, and the service then decides them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from adapters.app import Runtime, create_app
from adapters.loopback import serve_on_loopback
from adapters.processing import ROUTING_COMPLETE, OrderRouter
from adapters.reconcile import BACKLOG, Reconciler
from adapters.rule_files import load_ruleset
from adapters.settings import Settings
from adapters.shopify.client import ShopifyClient
from adapters.shopify.gateway import ShopifyGateway
from adapters.store import DecisionLog, Inbox, OrderLocks, create_engine, migrate, session_factory
from adapters.store.inbox import NewDelivery
from tests.e2e.conftest import PROJECT, US, Shopify, eventually


@dataclass
class Stack:
    reconciler: Reconciler
    router: OrderRouter
    inbox: Inbox
    log: DecisionLog
    wakes: list[None]


@pytest.fixture
async def stack(shopify: Shopify, tmp_path: Path) -> AsyncIterator[Stack]:
    # The emulator's webhook URL is unset: every webhook Shopify would send goes nowhere.
    [store] = [s for s in shopify.stores() if s.domain == US]
    database = create_engine(f"sqlite+aiosqlite:///{tmp_path}/routing.db")
    await migrate(database)
    sessions = session_factory(database)
    inbox, log = Inbox(sessions), DecisionLog(sessions)
    ruleset = load_ruleset(PROJECT / "rules")
    wakes: list[None] = []
    async with httpx.AsyncClient(timeout=10) as http:
        client = ShopifyClient(
            http, shop_domain=US, admin_api_url=store.graphql_url("2026-01"), access_token=store.access_token
        )
        router = OrderRouter(
            stores={US: ShopifyGateway(client)},
            ruleset=lambda: ruleset,
            inbox=inbox,
            locks=OrderLocks(sessions),
            log=log,
            lease_seconds=30,
        )
        reconciler = Reconciler(clients={US: client}, inbox=inbox, log=log, notify=lambda: wakes.append(None))
        yield Stack(reconciler, router, inbox, log, wakes)
    await database.dispose()


async def open_fulfillment_order_ids(shopify: Shopify, order_id: str) -> list[str]:
    order = await shopify.order(US, order_id)
    return [fo["id"] for fo in order["fulfillment_orders"] if fo["status"] == "OPEN"]


async def process_all(stack: Stack) -> None:
    while (delivery := await stack.inbox.lease("test-worker", 30)) is not None:
        result = await stack.router.process(delivery, owner="test-worker")
        await stack.inbox.finish(delivery.id, "test-worker", result.state, result.note)


async def test_an_order_whose_webhook_was_lost_is_found_and_stored_once(
    shopify: Shopify, stack: Stack
) -> None:
    order = await shopify.place_order(US, [("NW-0005", 1)])
    [fulfillment_order_id] = await open_fulfillment_order_ids(shopify, order["id"])

    first = await stack.reconciler.run_once()
    assert (first.undecided, first.stored) == (1, 1)
    assert len(stack.wakes) == 1
    delivery = await stack.inbox.lease("test-worker", 30)
    assert delivery is not None
    assert delivery.webhook_id == f"reconcile:{fulfillment_order_id}"
    assert delivery.topic == ROUTING_COMPLETE
    assert json.loads(delivery.body) == {"fulfillment_order": {"id": fulfillment_order_id, "status": "open"}}

    second = await stack.reconciler.run_once()
    assert (second.undecided, second.stored) == (1, 0)
    assert len(stack.wakes) == 1
    assert await stack.inbox.counts() == {"pending": 1}


async def test_an_order_already_decided_is_not_stored(shopify: Shopify, stack: Stack) -> None:
    order = await shopify.place_order(US, [("NW-0005", 1)])
    [fulfillment_order_id] = await open_fulfillment_order_ids(shopify, order["id"])
    # Its webhook reached us: the pipeline decides it (a move to Newark DC, a new fulfillment order).
    body = {"fulfillment_order": {"id": fulfillment_order_id, "status": "open"}}
    await stack.inbox.store(
        NewDelivery(webhook_id="w-1", shop=US, topic=ROUTING_COMPLETE, body=json.dumps(body))
    )
    await process_all(stack)
    assert await stack.log.for_order(US, order["id"])
    before = await stack.inbox.counts()

    counts = await stack.reconciler.run_once()
    assert counts.open >= 1
    assert (counts.undecided, counts.stored) == (0, 0)
    assert stack.wakes == []
    assert await stack.inbox.counts() == before


async def test_an_order_whose_webhook_waits_in_the_inbox_is_not_stored_again(
    shopify: Shopify, stack: Stack
) -> None:
    # A backlog: the webhook arrived but no worker has taken it yet. It is late, not lost.
    order = await shopify.place_order(US, [("NW-0005", 1)])
    [fulfillment_order_id] = await open_fulfillment_order_ids(shopify, order["id"])
    body = {"fulfillment_order": {"id": fulfillment_order_id, "status": "open"}}
    await stack.inbox.store(
        NewDelivery(webhook_id="w-queued", shop=US, topic=ROUTING_COMPLETE, body=json.dumps(body))
    )

    counts = await stack.reconciler.run_once()
    assert (counts.undecided, counts.stored) == (1, 0)
    assert stack.wakes == []
    assert await stack.inbox.get(f"reconcile:{fulfillment_order_id}") is None


async def test_a_webhook_arriving_after_reconciliation_changes_nothing(
    shopify: Shopify, stack: Stack
) -> None:
    order = await shopify.place_order(US, [("NW-0005", 1)])
    [fulfillment_order_id] = await open_fulfillment_order_ids(shopify, order["id"])
    assert (await stack.reconciler.run_once()).stored == 1
    await process_all(stack)
    decisions = await stack.log.for_order(US, order["id"])
    writes = await shopify.mutations()
    assert len(decisions) == 1 and writes

    body = {"fulfillment_order": {"id": fulfillment_order_id, "status": "open"}}
    late = NewDelivery(webhook_id="w-late", shop=US, topic=ROUTING_COMPLETE, body=json.dumps(body))
    assert await stack.inbox.store(late)
    await process_all(stack)
    # The late webhook sees the order already in place: at most a decision that writes nothing.
    assert await shopify.mutations() == writes
    later = (await stack.log.for_order(US, order["id"]))[1:]
    assert [await stack.log.intents(d.id) for d in later] == [[] for _ in later]


async def test_a_search_filter_and_pages_are_answered_by_the_emulator(shopify: Shopify, stack: Stack) -> None:
    # More open fulfillment orders than one page of 50: every one is found once.
    orders = [await shopify.place_order(US, [("NW-0005", 1)]) for _ in range(53)]
    counts = await stack.reconciler.run_once()
    assert (counts.open, counts.undecided, counts.stored) == (53, 53, 53)
    assert len(orders) == 53


async def test_the_service_decides_an_order_whose_webhook_was_lost(shopify: Shopify, tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db",
        rules_dir=PROJECT / "rules",
        api_version="2026-01",
        workers=2,
        reconcile_seconds=0.5,
    )
    app = create_app(settings, stores=shopify.stores())
    async with serve_on_loopback(app) as _url:
        # The webhook URL is never configured: the routing-complete webhook is lost.
        order = await shopify.place_order(US, [("NW-0005", 1)])
        runtime: Runtime = app.state.runtime

        async def decided() -> bool:
            stored = await runtime.log.for_order(US, order["id"])
            return bool(stored) and all(d.state != "executing" for d in stored)

        await eventually(decided, what="the reconciled decision")
    after = await shopify.order(US, order["id"])
    assert [fo["assigned_location_name"] for fo in after["fulfillment_orders"] if fo["status"] == "OPEN"] == [
        "Newark DC"
    ]
    assert json.loads(after["metafields"]["routing_engine.decision"]["value"])["outcome"] == "routed"
    assert "routing-engine:routed" in after["tags"]


async def test_a_store_with_a_backlog_of_routing_webhooks_is_left_for_the_next_run(
    shopify: Shopify, stack: Stack
) -> None:
    """Behind a backlog, the open fulfillment orders are mostly the waiting webhooks': read none of them."""
    order = await shopify.place_order(US, [("NW-0005", 1)])  # its webhook was lost
    for n in range(BACKLOG + 1):
        body = {"fulfillment_order": {"id": f"gid://shopify/FulfillmentOrder/{900000 + n}", "status": "open"}}
        await stack.inbox.store(
            NewDelivery(webhook_id=f"w-backlog-{n}", shop=US, topic=ROUTING_COMPLETE, body=json.dumps(body))
        )
    calls_before = (await shopify.control.get("/_emulator/accounting")).json()[US]["calls"]

    deferred = await stack.reconciler.run_once()
    assert (deferred.deferred_stores, deferred.open, deferred.stored) == (1, 0, 0)
    assert (await shopify.control.get("/_emulator/accounting")).json()[US]["calls"] == calls_before

    # The backlog worked off (here: taken out of the inbox), the next run finds the lost one.
    while (delivery := await stack.inbox.lease("test-worker", 30)) is not None:
        await stack.inbox.finish(delivery.id, "test-worker", "ignored", "worked off")
    found = await stack.reconciler.run_once()
    [fulfillment_order_id] = await open_fulfillment_order_ids(shopify, order["id"])
    assert (found.deferred_stores, found.stored) == (0, 1)
    assert await stack.inbox.get(f"reconcile:{fulfillment_order_id}") is not None
