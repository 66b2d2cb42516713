"""Recorded live Shopify exchanges fed through the client, mutations and executor: releases, splits,
the decision metafield (compare-and-set) and tags. See test_recordings.py for why recordings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.shopify import mapping, mutations
from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyUserError
from adapters.shopify.executor import Executor, IntentOutcome
from engine.intents import (
    LineQuantity,
    ReleaseHold,
    SetOrderMetafield,
)
from tests.shopify.conftest import ScriptedShopify, load_recording
from tests.shopify.recorded_exchanges import (
    CAS_SUCCESS,
    RELEASE_SELECTIVE,
    SPLIT_MULTI,
    STALE_DIGEST,
    TAGS_ADD,
    payload_of,
    response_of,
    snapshot_with,
)


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
