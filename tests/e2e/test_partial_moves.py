"""Partial moves against the emulator over loopback HTTP: a plan that splits a fulfillment order
three ways carried out by processing, and a move whose answer was lost recognised instead of made
twice."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.processing import ROUTING_COMPLETE, OrderRouter
from adapters.rule_files import load_ruleset
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyUnavailable
from adapters.shopify.executor import IntentOutcome
from adapters.shopify.gateway import ShopifyGateway
from adapters.store import (
    DecisionLog,
    Delivery,
    Inbox,
    NewDelivery,
    OrderLocks,
    create_engine,
    migrate,
    session_factory,
)
from engine.decision import Decision, FulfillmentOrderOutcome, ShipmentPart
from engine.intents import HoldFulfillmentOrder, LineQuantity, MoveFulfillmentOrder, hold_handle
from engine.model import Snapshot
from engine.ruleset import RuleSet
from tests.e2e.conftest import PROJECT, US, Shopify, repeated_writes


@pytest.fixture
async def gateway(shopify: Shopify) -> AsyncIterator[ShopifyGateway]:
    [store] = [s for s in shopify.stores() if s.domain == US]
    async with httpx.AsyncClient(timeout=10) as http:
        client = ShopifyClient(
            http, shop_domain=US, admin_api_url=store.graphql_url("2026-01"), access_token=store.access_token
        )
        yield ShopifyGateway(client)


async def three_mitts_at_reno(shopify: Shopify, gateway: ShopifyGateway) -> tuple[dict[str, Any], Snapshot]:
    # Shopify's routing puts NW-0004 at Reno DC (Brooklyn does not stock it); Newark DC does too.
    order = await shopify.place_order(US, [("NW-0004", 3)])
    snapshot = await gateway.read_order_snapshot(order["id"])
    assert [gateway_location(snapshot, fo.assigned_location_id) for fo in snapshot.fulfillment_orders] == [
        "Reno DC"
    ]
    return order, snapshot


def gateway_location(snapshot: Snapshot, location_id: str | None) -> str:
    location = snapshot.location(location_id or "")
    return location.name if location else "?"


def move_one_to(snapshot: Snapshot, name: str) -> MoveFulfillmentOrder:
    [fo] = snapshot.fulfillment_orders
    target = next(loc.id for loc in snapshot.locations if loc.name == name)
    return MoveFulfillmentOrder(
        fulfillment_order_id=fo.id,
        from_location_id=fo.assigned_location_id,
        to_location_id=target,
        lines=(LineQuantity(id=fo.lines[0].id, quantity=1),),
    )


def units_by_location(order: dict[str, Any]) -> dict[str, int]:
    return {
        fo["assigned_location_name"]: sum(line["remaining_quantity"] for line in fo["line_items"])
        for fo in order["fulfillment_orders"]
        if fo["status"] not in ("CLOSED", "CANCELLED")
    }


async def test_a_partial_move_whose_answer_was_lost_is_recognised_on_retry_not_made_again(
    shopify: Shopify, gateway: ShopifyGateway
) -> None:
    order, snapshot = await three_mitts_at_reno(shopify, gateway)
    move = move_one_to(snapshot, "Newark DC")
    await shopify.faults(lose_answer_next=1)
    with pytest.raises(ShopifyUnavailable, match="may or may not have run"):
        await gateway.apply(move, snapshot=snapshot)
    landed = units_by_location(await shopify.order(US, order["id"]))
    assert landed == {"Reno DC": 2, "Newark DC": 1}, "the move landed; Reno still holds more than 1"

    retry = await gateway.apply(move, snapshot=None, decided_on=snapshot)  # as processing retries

    assert retry.outcome is IntentOutcome.ALREADY_DONE, retry.detail
    after = await shopify.order(US, order["id"])
    newark = next(fo for fo in after["fulfillment_orders"] if fo["assigned_location_name"] == "Newark DC")
    assert retry.created_ids == (newark["id"],) and retry.new_ids == {}
    assert units_by_location(after) == {"Reno DC": 2, "Newark DC": 1}
    assert [m["mutation"] for m in await shopify.mutations()] == ["fulfillmentOrderMove"]


async def test_a_partial_move_that_never_reached_shopify_is_made_on_retry(
    shopify: Shopify, gateway: ShopifyGateway
) -> None:
    order, snapshot = await three_mitts_at_reno(shopify, gateway)
    move = move_one_to(snapshot, "Newark DC")
    await shopify.faults(http_500_next=1)
    with pytest.raises(ShopifyUnavailable):
        await gateway.apply(move, snapshot=snapshot)
    assert units_by_location(await shopify.order(US, order["id"])) == {"Reno DC": 3}

    retry = await gateway.apply(move, snapshot=None, decided_on=snapshot)

    assert retry.outcome is IntentOutcome.APPLIED
    assert units_by_location(await shopify.order(US, order["id"])) == {"Reno DC": 2, "Newark DC": 1}


# --- a split plan carried out by processing ----------------------------------------------------


def split_three_ways(snapshot: Snapshot, ruleset: RuleSet) -> Decision:
    """A plan as the engine makes for `allocation: split`: one unit to Newark, one to Chicago, and
    the rest held where it is. Every intent names the original fulfillment order."""
    [fo] = snapshot.fulfillment_orders
    line = fo.lines[0]
    one = (LineQuantity(id=line.id, quantity=1),)
    newark, chicago = (
        next(loc.id for loc in snapshot.locations if loc.name == n) for n in ("Newark DC", "Chicago DC")
    )
    intents = (
        MoveFulfillmentOrder(
            fulfillment_order_id=fo.id,
            from_location_id=fo.assigned_location_id,
            to_location_id=newark,
            lines=one,
        ),
        MoveFulfillmentOrder(
            fulfillment_order_id=fo.id,
            from_location_id=fo.assigned_location_id,
            to_location_id=chicago,
            lines=one,
        ),
        HoldFulfillmentOrder(
            fulfillment_order_id=fo.id,
            reason="OTHER",
            notes="the third waits",
            handle=hold_handle("OTHER"),
            lines=one,
        ),
    )
    parts = (
        ShipmentPart(action="move", location_id=newark, lines=one),
        ShipmentPart(action="move", location_id=chicago, lines=one),
        ShipmentPart(action="hold", location_id=fo.assigned_location_id, lines=one),
    )
    outcome = FulfillmentOrderOutcome(
        fulfillment_order_id=fo.id, action="split", from_location_id=fo.assigned_location_id, parts=parts
    )
    return Decision(
        store=snapshot.store,
        order_id=snapshot.order.id,
        order_name=snapshot.order.name,
        ruleset_version=ruleset.version,
        outcome="routed",
        fulfillment_orders=(outcome,),
        intents=intents,
        trace=(),
    )


@pytest.fixture
async def router(
    gateway: ShopifyGateway, tmp_path: Path
) -> AsyncIterator[tuple[OrderRouter, Inbox, DecisionLog]]:
    database = create_engine(f"sqlite+aiosqlite:///{tmp_path}/routing.db")
    await migrate(database)
    sessions = session_factory(database)
    inbox, log = Inbox(sessions), DecisionLog(sessions)
    ruleset = load_ruleset(PROJECT / "rules")
    yield (
        OrderRouter(
            stores={US: gateway},
            ruleset=lambda: ruleset,
            inbox=inbox,
            locks=OrderLocks(sessions),
            log=log,
            lease_seconds=30,
            decide=split_three_ways,
        ),
        inbox,
        log,
    )
    await database.dispose()


async def routing_complete(inbox: Inbox, fulfillment_order_id: str) -> Delivery:
    body = {"fulfillment_order": {"id": fulfillment_order_id, "status": "open"}}
    await inbox.store(NewDelivery(webhook_id="w-1", shop=US, topic=ROUTING_COMPLETE, body=json.dumps(body)))
    delivery = await inbox.lease("worker", 30)
    assert delivery is not None
    return delivery


@pytest.mark.parametrize("lose_first_answer", [False, True], ids=["answered", "first answer lost"])
async def test_a_plan_that_splits_a_fulfillment_order_three_ways_is_carried_out_once(
    shopify: Shopify,
    gateway: ShopifyGateway,
    router: tuple[OrderRouter, Inbox, DecisionLog],
    lose_first_answer: bool,
) -> None:
    processing, inbox, log = router
    order, snapshot = await three_mitts_at_reno(shopify, gateway)
    delivery = await routing_complete(inbox, snapshot.fulfillment_orders[0].id)
    if lose_first_answer:
        await shopify.faults(lose_answer_next=1)  # the first move lands; its answer is lost
        with pytest.raises(ShopifyUnavailable):
            await processing.process(delivery, owner="worker")
    result = await processing.process(delivery, owner="worker")  # a worker retries the delivery

    assert result.state == "done" and result.decision_id is not None
    after = await shopify.order(US, order["id"])
    assert units_by_location(after) == {"Reno DC": 1, "Newark DC": 1, "Chicago DC": 1}
    [reno] = [fo for fo in after["fulfillment_orders"] if fo["assigned_location_name"] == "Reno DC"]
    assert reno["id"] == snapshot.fulfillment_orders[0].id, "the original kept its id and the rest"
    assert reno["status"] == "ON_HOLD"
    mutations = await shopify.mutations()
    assert [m["mutation"] for m in mutations] == [
        "fulfillmentOrderMove",
        "fulfillmentOrderMove",
        "fulfillmentOrderHold",
    ]
    assert repeated_writes(mutations) == []
    states = [i.state for i in await log.intents(result.decision_id)]
    assert states == (["already_done", "applied", "applied"] if lose_first_answer else ["applied"] * 3)
