"""Recorded live Shopify exchanges fed through the client, mutations and executor.

The recordings (ROUTING_SHOPIFY_RECORDINGS) used other documents than ours; their responses
still carry the fields ours select, so they show that we parse what Shopify really sends.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.shopify import documents, mapping, mutations
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyQueryError, ShopifyUserError
from adapters.shopify.executor import Executor, IntentOutcome
from adapters.shopify.sansio import ThrottleStatus
from engine.intents import (
    HoldFulfillmentOrder,
    LineQuantity,
    MoveFulfillmentOrder,
    ReleaseHold,
    SetOrderMetafield,
)
from engine.model import Order, Snapshot
from tests.shopify.conftest import ScriptedShopify, load_recording

MOVE_VALIDATION = "2026-04__shipping-fulfillments__fulfillment-order-move-validation.json"
MOVE_MULTI_LINE = "2026-04__shipping-fulfillments__fulfillment-order-move-multi-line.json"
HOLD_VALIDATION = "2026-04__shipping-fulfillments__fulfillment-order-hold-validation.json"
HOLD_MULTI_LINE = "2026-04__shipping-fulfillments__fulfillment-order-hold-multi-line.json"
RELEASE_SELECTIVE = "2026-04__shipping-fulfillments__fulfillment-order-release-hold-selective.json"
SPLIT_MULTI = "2026-04__shipping-fulfillments__fulfillment-order-split-multi.json"
CAS_SUCCESS = "2025-01__products__metafields-set-cas-success-parity.json"
STALE_DIGEST = "2025-01__products__metafields-set-stale-digest-parity.json"
TAGS_ADD = "2025-01__products__tags-add-parity.json"
IDEMPOTENT_DIRECTIVE = (
    "2026-04__store-properties__location-activate-deactivate-with-idempotency-directive.json"
)


def response_of(exchange: dict[str, Any]) -> httpx.Response:
    """The recorded HTTP response: `{status, payload}`, `{status, body}` or a bare payload."""
    recorded = exchange["response"]
    if "payload" in recorded:
        return httpx.Response(recorded.get("status") or 200, json=recorded["payload"])
    if "body" in recorded:
        return httpx.Response(recorded.get("status") or 200, json=recorded["body"])
    return httpx.Response(200, json=recorded)


def payload_of(exchange: dict[str, Any]) -> dict[str, Any]:
    recorded = exchange["response"]
    body: dict[str, Any] = recorded.get("payload") or recorded.get("body") or recorded
    return body


def snapshot_with(*fo_nodes: dict[str, Any], **changes: Any) -> Snapshot:
    fos = tuple(mapping.map_fulfillment_order(node).model_copy(update=changes) for node in fo_nodes)
    return Snapshot(
        store="recorded", order=Order(id="gid://shopify/Order/0"), fulfillment_orders=fos, locations=()
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


class TestReleaseRecordings:
    async def test_releases_exactly_our_hold_by_id(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        workflow = load_recording(recordings, RELEASE_SELECTIVE)["workflows"]["selectiveRelease"]
        held = payload_of(workflow["secondHold"])["data"]["fulfillmentOrderHold"]["fulfillmentOrder"]
        release = workflow["releaseFirstHold"]
        shopify.add(response_of(release))
        intent = ReleaseHold(fulfillment_order_id=held["id"], handle="selective-release-first")

        result = await Executor(client).apply(intent, snapshot=snapshot_with(held))

        assert result.outcome is IntentOutcome.APPLIED
        assert shopify.bodies()[0]["variables"] == release["variables"]
        assert result.payload is not None
        after = mapping.map_fulfillment_order(result.payload["fulfillmentOrder"])
        assert after.status == "ON_HOLD" and [h.handle for h in after.holds] == ["selective-release-second"]

    async def test_released_hold_is_already_done(self, recordings: Path, client: ShopifyClient) -> None:
        workflow = load_recording(recordings, RELEASE_SELECTIVE)["workflows"]["selectiveRelease"]
        after = payload_of(workflow["releaseFirstHold"])["data"]["fulfillmentOrderReleaseHold"][
            "fulfillmentOrder"
        ]
        intent = ReleaseHold(fulfillment_order_id=after["id"], handle="selective-release-first")
        result = await Executor(client).apply(intent, snapshot=snapshot_with(after))
        assert result.outcome is IntentOutcome.ALREADY_DONE


class TestSplitRecordings:
    async def test_multi_split_results(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        exchange = load_recording(recordings, SPLIT_MULTI)["captures"]["multiSplit"]
        shopify.add(response_of(exchange))
        splits = {
            split["fulfillmentOrderId"]: [LineQuantity(**line) for line in split["fulfillmentOrderLineItems"]]
            for split in exchange["variables"]["fulfillmentOrderSplits"]
        }
        payload = await mutations.split_fulfillment_orders(client, splits)
        assert shopify.bodies()[0]["variables"] == exchange["variables"]
        results = payload["fulfillmentOrderSplits"]
        assert [r["fulfillmentOrder"]["id"] for r in results] == list(splits)
        assert all(r["remainingFulfillmentOrder"]["id"] not in splits for r in results)
        assert all(r["replacementFulfillmentOrder"] is None for r in results)

    @pytest.mark.parametrize(
        ("step", "code", "field"),
        [
            (
                "emptyLineItems",
                "NO_LINE_ITEMS_PROVIDED_TO_SPLIT",
                ("fulfillmentOrderSplits", "0", "fulfillmentOrderLineItems"),
            ),
            (
                "zeroQuantity",
                "GREATER_THAN",
                ("fulfillmentOrderSplits", "0", "fulfillmentOrderLineItems", "0", "quantity"),
            ),
            ("unknownFulfillmentOrder", "FULFILLMENT_ORDER_NOT_FOUND", None),
        ],
    )
    async def test_split_user_errors(
        self,
        recordings: Path,
        client: ShopifyClient,
        shopify: ScriptedShopify,
        step: str,
        code: str,
        field: tuple[str, ...] | None,
    ) -> None:
        exchange = load_recording(recordings, SPLIT_MULTI)["captures"][step]
        shopify.add(response_of(exchange))
        [split] = exchange["variables"]["fulfillmentOrderSplits"]
        with pytest.raises(ShopifyUserError) as caught:
            await mutations.split_fulfillment_orders(
                client,
                {
                    split["fulfillmentOrderId"]: [
                        LineQuantity(**line) for line in split["fulfillmentOrderLineItems"]
                    ]
                },
            )
        [error] = caught.value.user_errors
        assert (error.code, error.field) == (code, field)


class TestMetafieldsAndTagsRecordings:
    async def test_compare_and_set_success_returns_the_new_digest(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        exchange = load_recording(recordings, CAS_SUCCESS)["mutation"]
        shopify.add(response_of(exchange))
        [metafield] = exchange["variables"]["metafields"]
        payload = await mutations.set_metafield(
            client,
            metafield["ownerId"],
            namespace=metafield["namespace"],
            key=metafield["key"],
            type=metafield["type"],
            value=metafield["value"],
            compare_digest=metafield["compareDigest"],
        )
        assert shopify.bodies()[0]["variables"] == exchange["variables"]
        [written] = payload["metafields"]
        assert written["value"] == "Wool" and written["compareDigest"] != metafield["compareDigest"]

    async def test_stale_digest_supersedes_the_intent(
        self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify
    ) -> None:
        recording = load_recording(recordings, STALE_DIGEST)
        [metafield] = recording["mutation"]["variables"]["metafields"]
        # The fresh read returns the digest we hold; someone writes before our mutation lands.
        shopify.add_json(
            {
                "data": {
                    "order": {
                        "id": metafield["ownerId"],
                        "tags": [],
                        "metafield": {"value": "Canvas", "compareDigest": metafield["compareDigest"]},
                    }
                }
            }
        )
        shopify.add(response_of(recording["mutation"]))
        intent = SetOrderMetafield(
            order_id=metafield["ownerId"],
            namespace=metafield["namespace"],
            key=metafield["key"],
            type=metafield["type"],
            value=metafield["value"],
        )
        result = await Executor(client).apply(intent)
        assert result.outcome is IntentOutcome.SUPERSEDED
        assert "STALE_OBJECT" in result.detail
        assert (
            shopify.bodies()[1]["variables"]["metafields"][0]["compareDigest"] == metafield["compareDigest"]
        )

    async def test_tags_add(self, recordings: Path, client: ShopifyClient, shopify: ScriptedShopify) -> None:
        exchange = load_recording(recordings, TAGS_ADD)["mutation"]
        shopify.add(response_of(exchange))
        payload = await mutations.add_tags(client, exchange["variables"]["id"], exchange["variables"]["tags"])
        assert payload["node"]["id"] == exchange["variables"]["id"]
        assert shopify.bodies()[0]["variables"] == exchange["variables"]
