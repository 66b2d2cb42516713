"""Partial moves against the emulator over loopback HTTP: lines carved into a new fulfillment order,
its id followed, and a move whose answer was lost recognised instead of made twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyUnavailable
from adapters.shopify.executor import IntentOutcome
from adapters.shopify.gateway import ShopifyGateway
from engine.intents import HoldFulfillmentOrder, LineQuantity, MoveFulfillmentOrder, hold_handle
from engine.model import Snapshot
from tests.e2e.conftest import US, Shopify


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


async def test_a_partial_move_carves_the_lines_into_a_new_fulfillment_order_that_later_intents_follow(
    shopify: Shopify, gateway: ShopifyGateway
) -> None:
    order, snapshot = await three_mitts_at_reno(shopify, gateway)
    move = move_one_to(snapshot, "Newark DC")
    moved = await gateway.apply(move, snapshot=snapshot)
    assert moved.outcome is IntentOutcome.APPLIED
    [(original, carved)] = moved.new_ids.items()
    assert original == move.fulfillment_order_id and carved != original
    assert units_by_location(await shopify.order(US, order["id"])) == {"Reno DC": 2, "Newark DC": 1}

    # An intent aimed at the carved-out lines goes to the new fulfillment order (as processing renames it).
    hold = HoldFulfillmentOrder(
        fulfillment_order_id=carved, reason="OTHER", notes="check the mitts", handle=hold_handle("OTHER")
    )
    assert (await gateway.apply(hold, snapshot=None)).outcome is IntentOutcome.APPLIED
    after = await shopify.order(US, order["id"])
    held = next(fo for fo in after["fulfillment_orders"] if fo["id"] == carved)
    assert held["status"] == "ON_HOLD" and held["assigned_location_name"] == "Newark DC"


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
    assert retry.new_ids == {move.fulfillment_order_id: newark["id"]}
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
