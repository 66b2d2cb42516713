"""Recorded live Shopify exchanges fed through the client, mutations and executor: throttle status
and cost, moves, holds.

The recordings (ROUTING_SHOPIFY_RECORDINGS) used other documents than ours; their responses
still carry the fields ours select, so they show that we parse what Shopify really sends.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from adapters.shopify import documents, mutations
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyQueryError, ShopifyUserError
from adapters.shopify.executor import Executor, IntentOutcome
from adapters.shopify.sansio import ThrottleStatus
from engine.intents import (
    HoldFulfillmentOrder,
    LineQuantity,
    MoveFulfillmentOrder,
)
from tests.shopify.conftest import ScriptedShopify, load_recording
from tests.shopify.recorded_exchanges import (
    HOLD_MULTI_LINE,
    HOLD_VALIDATION,
    IDEMPOTENT_DIRECTIVE,
    MOVE_MULTI_LINE,
    MOVE_VALIDATION,
    payload_of,
    response_of,
    snapshot_with,
)


class TestThrottleAndCost:
    async def test_reads_throttle_status_and_costs(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        happy = load_recording(recordings, MOVE_VALIDATION)["happyPath"]["move"]
        shopify.add(response_of(happy))
        await client.execute(documents.FULFILLMENT_ORDER_MOVE, happy["variables"])
        assert client.throttle_status == ThrottleStatus(
            maximum_available=2000, currently_available=1978, restore_rate=100
        )
        assert (client.accounting.requested_cost, client.accounting.actual_cost) == (40, 22)

    async def test_a_response_without_cost_keeps_the_last_status(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        recording = load_recording(recordings, MOVE_MULTI_LINE)
        shopify.add(response_of(recording["workflow"]["move"]), response_of(recording["upstreamCalls"][1]))
        await client.execute(documents.FULFILLMENT_ORDER_MOVE, recording["workflow"]["move"]["variables"])
        before = client.throttle_status
        data = await client.execute(documents.FULFILLMENT_ORDER_STATE, {"id": "x"})  # body has no extensions
        assert data["fulfillmentOrder"]["status"] == "OPEN"
        assert client.throttle_status == before and client.accounting.calls == 2

    async def test_a_request_error_with_cost_raises_a_query_error(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        exchange = load_recording(recordings, IDEMPOTENT_DIRECTIVE)["workflow"]["missingDirective202604"]
        shopify.add(response_of(exchange))
        with pytest.raises(ShopifyQueryError) as caught:
            await client.execute(documents.TAGS_ADD, {"id": "x", "tags": []})
        assert caught.value.has_code("BAD_REQUEST")
        assert "@idempotent directive is required" in caught.value.messages[0]
        assert client.throttle_status is not None


class TestMoveRecordings:
    @pytest.mark.parametrize(
        ("case", "step", "code"),
        [
            ("closed", "moveAfterClose", None),
            ("progress", "moveAfterProgress", "CANNOT_MOVE_FULFILLMENT_ORDER_WITH_REPORTED_PROGRESS"),
            ("requestStatus", "moveAfterSubmit", None),
            ("unknownLocation", "move", None),
        ],
    )
    async def test_user_errors_with_and_without_code(
        self,
        recordings: Path,
        client: ShopifyClient,
        shopify: ScriptedShopify,
        case: str,
        step: str,
        code: str | None,
    ) -> None:
        exchange = load_recording(recordings, MOVE_VALIDATION)[case][step]
        shopify.add(response_of(exchange))
        variables = exchange["variables"]
        with pytest.raises(ShopifyUserError) as caught:
            await mutations.move_fulfillment_order(client, variables["id"], variables["newLocationId"])
        [error] = caught.value.user_errors
        assert error.code == code
        assert (
            error.message == payload_of(exchange)["data"]["fulfillmentOrderMove"]["userErrors"][0]["message"]
        )

    async def test_executor_fails_with_shopifys_message(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        exchange = load_recording(recordings, MOVE_VALIDATION)["closed"]["moveAfterClose"]
        shopify.add(response_of(exchange))
        fo_id, target = exchange["variables"]["id"], exchange["variables"]["newLocationId"]
        node = {
            "id": fo_id,
            "status": "OPEN",
            "supportedActions": [{"action": "MOVE"}],
            "lineItems": {"nodes": []},
        }
        intent = MoveFulfillmentOrder(
            fulfillment_order_id=fo_id, from_location_id=None, to_location_id=target
        )
        result = await Executor(client).apply(
            intent, snapshot=snapshot_with(node, movable_to=frozenset({target}))
        )
        assert result.outcome is IntentOutcome.FAILED
        assert "Cannot change location." in result.detail

    async def test_partial_move_follows_moved_fulfillment_order(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        recording = load_recording(recordings, MOVE_MULTI_LINE)
        before = recording["upstreamCalls"][1]["response"]["body"]["data"]["fulfillmentOrder"]
        exchange = recording["workflow"]["move"]
        variables = exchange["variables"]
        shopify.add(response_of(exchange))
        intent = MoveFulfillmentOrder(
            fulfillment_order_id=variables["id"],
            from_location_id=recording["metadata"]["createdOrder"]["assignedLocationId"],
            to_location_id=variables["newLocationId"],
            lines=tuple(LineQuantity(**line) for line in variables["fulfillmentOrderLineItems"]),
        )
        snapshot = snapshot_with(before, movable_to=frozenset({variables["newLocationId"]}))

        result = await Executor(client).apply(intent, snapshot=snapshot)

        assert result.outcome is IntentOutcome.APPLIED
        assert shopify.bodies()[0]["variables"] == variables  # we send what the live test sent
        moved = payload_of(exchange)["data"]["fulfillmentOrderMove"]["movedFulfillmentOrder"]["id"]
        # The lines are carved out into `moved`; the original keeps its id and the rest.
        assert result.created_ids == (moved,) and moved != variables["id"]
        assert result.new_ids == {}, "later intents on the original's other lines still find it"
        assert result.payload is not None
        assert result.payload["originalFulfillmentOrder"]["id"] == variables["id"]

    async def test_whole_move_keeps_the_id(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        exchange = load_recording(recordings, MOVE_VALIDATION)["happyPath"]["move"]
        shopify.add(response_of(exchange))
        variables = exchange["variables"]
        payload = await mutations.move_fulfillment_order(client, variables["id"], variables["newLocationId"])
        assert payload["movedFulfillmentOrder"]["id"] == variables["id"]
        assert (
            payload["movedFulfillmentOrder"]["assignedLocation"]["location"]["id"]
            == variables["newLocationId"]
        )


class TestHoldRecordings:
    async def test_duplicate_handle_is_already_done(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        exchange = load_recording(recordings, HOLD_VALIDATION)["workflows"]["validation"]["duplicateHandle"]
        shopify.add(response_of(exchange))
        hold = exchange["variables"]["fulfillmentHold"]
        intent = HoldFulfillmentOrder(
            fulfillment_order_id=exchange["variables"]["id"],
            reason=hold["reason"],
            notes=hold["reasonNotes"],
            handle=hold["handle"],
        )
        node = {
            "id": intent.fulfillment_order_id,
            "status": "OPEN",
            "supportedActions": [{"action": "HOLD"}],
            "lineItems": {"nodes": []},
        }
        result = await Executor(client).apply(intent, snapshot=snapshot_with(node))
        assert result.outcome is IntentOutcome.ALREADY_DONE

    @pytest.mark.parametrize(
        ("step", "code"),
        [
            ("limitReached", "FULFILLMENT_ORDER_HOLD_LIMIT_REACHED"),
            ("notSplittable", "FULFILLMENT_ORDER_NOT_SPLITTABLE"),
            ("zeroQuantity", "GREATER_THAN_ZERO"),
            ("duplicateLineItems", "DUPLICATED_FULFILLMENT_ORDER_LINE_ITEMS"),
        ],
    )
    async def test_hold_user_error_codes(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify, step: str, code: str
    ) -> None:
        exchange = load_recording(recordings, HOLD_VALIDATION)["workflows"]["validation"][step]
        shopify.add(response_of(exchange))
        hold = exchange["variables"]["fulfillmentHold"]
        with pytest.raises(ShopifyUserError) as caught:
            await mutations.hold_fulfillment_order(
                client,
                exchange["variables"]["id"],
                reason=hold["reason"],
                notes=hold["reasonNotes"],
                handle=hold["handle"],
                lines=[LineQuantity(**line) for line in hold.get("fulfillmentOrderLineItems", [])],
            )
        assert caught.value.codes == {code}

    async def test_partial_hold_splits_off_a_remaining_fulfillment_order(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        exchange = copy.deepcopy(load_recording(recordings, HOLD_MULTI_LINE)["workflow"]["hold"])
        # The recorded query also asked for heldByApp (needs read_apps); ours does not, so its
        # ACCESS_DENIED field errors would not be there.
        del exchange["response"]["payload"]["errors"]
        shopify.add(response_of(exchange))
        variables = exchange["variables"]
        hold = variables["fulfillmentHold"]
        intent = HoldFulfillmentOrder(
            fulfillment_order_id=variables["id"],
            reason=hold["reason"],
            notes=hold["reasonNotes"],
            handle=hold["handle"],
            lines=tuple(LineQuantity(**line) for line in hold["fulfillmentOrderLineItems"]),
        )
        node = {
            "id": variables["id"],
            "status": "OPEN",
            "supportedActions": [{"action": "HOLD"}],
            "lineItems": {"nodes": []},
        }
        result = await Executor(client).apply(intent, snapshot=snapshot_with(node))
        assert result.outcome is IntentOutcome.APPLIED
        remaining = payload_of(exchange)["data"]["fulfillmentOrderHold"]["remainingFulfillmentOrder"]["id"]
        assert remaining in result.detail
        assert result.new_ids == {}  # the held lines keep the original id
        assert result.created_ids == (remaining,)
        assert (
            shopify.bodies()[0]["variables"]["fulfillmentHold"]["fulfillmentOrderLineItems"]
            == hold["fulfillmentOrderLineItems"]
        )

    async def test_field_errors_next_to_data_keep_the_data(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        exchange = load_recording(recordings, HOLD_MULTI_LINE)["workflow"]["hold"]
        shopify.add(response_of(exchange))
        with pytest.raises(ShopifyQueryError) as caught:
            await client.execute(documents.FULFILLMENT_ORDER_HOLD, exchange["variables"])
        assert caught.value.has_code("ACCESS_DENIED")
        assert caught.value.data is not None
        assert caught.value.data["fulfillmentOrderHold"]["fulfillmentHold"]["heldByRequestingApp"] is True
