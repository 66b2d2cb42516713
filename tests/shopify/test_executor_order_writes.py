"""Executor, the order's own writes: the decision metafield, the tags, both in one request, and
what a GraphQL error or an outcome means."""

from __future__ import annotations

from typing import Any

from adapters.shopify.executor import Executor, IntentOutcome
from engine.intents import (
    AddOrderTags,
    SetOrderMetafield,
)
from tests.shopify.conftest import ScriptedShopify
from tests.shopify.executor_world import (
    ORDER,
    operations,
    snapshot,
)

METAFIELD = SetOrderMetafield(
    order_id=ORDER, namespace="routing_engine", key="decision", type="json", value='{"v":2}'
)


def metafields_payload(errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    metafields = (
        [] if errors else [{"id": "gid://shopify/Metafield/1", "value": '{"v":2}', "compareDigest": "d2"}]
    )
    return {"data": {"metafieldsSet": {"metafields": metafields, "userErrors": errors or []}}}


def order_state(tags: list[str], value: str | None = None, digest: str | None = None) -> dict[str, Any]:
    metafield = {"value": value, "compareDigest": digest} if value is not None else None
    return {"data": {"order": {"id": ORDER, "tags": tags, "metafield": metafield}}}


class TestSetMetafield:
    async def test_same_value_is_already_done(self, executor: Executor, shopify: ScriptedShopify) -> None:
        result = await executor.apply(
            METAFIELD, snapshot=snapshot(metafields={"routing_engine.decision": '{"v":2}'})
        )
        assert result.outcome is IntentOutcome.ALREADY_DONE
        assert shopify.requests == []

    async def test_absent_metafield_is_created_only_if_still_absent(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(metafields_payload())
        result = await executor.apply(METAFIELD, snapshot=snapshot())
        assert result.outcome is IntentOutcome.APPLIED
        [metafield] = shopify.bodies()[0]["variables"]["metafields"]
        assert metafield == {
            "ownerId": ORDER,
            "namespace": "routing_engine",
            "key": "decision",
            "type": "json",
            "value": '{"v":2}',
            "compareDigest": None,
        }

    async def test_other_value_is_replaced_by_compare_and_set(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(order_state([], value='{"v":1}', digest="d1"))
        shopify.add_json(metafields_payload())
        result = await executor.apply(
            METAFIELD, snapshot=snapshot(metafields={"routing_engine.decision": '{"v":1}'})
        )
        assert result.outcome is IntentOutcome.APPLIED
        assert operations(shopify) == ["RoutingOrderState", "RoutingMetafieldsSet"]
        assert shopify.bodies()[1]["variables"]["metafields"][0]["compareDigest"] == "d1"

    async def test_stale_digest_is_superseded(self, executor: Executor, shopify: ScriptedShopify) -> None:
        shopify.add_json(order_state([], value='{"v":1}', digest="d1"))
        error = {
            "field": ["metafields", "0"],
            "message": "updated since loaded",
            "code": "STALE_OBJECT",
            "elementIndex": None,
        }
        shopify.add_json(metafields_payload(errors=[error]))
        result = await executor.apply(METAFIELD)
        assert result.outcome is IntentOutcome.SUPERSEDED
        assert "STALE_OBJECT" in result.detail

    async def test_invalid_value_fails(self, executor: Executor, shopify: ScriptedShopify) -> None:
        error = {
            "field": ["metafields", "0", "value"],
            "message": "is invalid JSON",
            "code": "INVALID_VALUE",
            "elementIndex": 0,
        }
        shopify.add_json(metafields_payload(errors=[error]))
        result = await executor.apply(METAFIELD, snapshot=snapshot())
        assert result.outcome is IntentOutcome.FAILED

    async def test_fresh_read_finds_the_same_value(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(order_state([], value='{"v":2}', digest="d2"))
        result = await executor.apply(METAFIELD)
        assert result.outcome is IntentOutcome.ALREADY_DONE

    async def test_missing_order_is_superseded(self, executor: Executor, shopify: ScriptedShopify) -> None:
        shopify.add_json({"data": {"order": None}})
        assert (await executor.apply(METAFIELD)).outcome is IntentOutcome.SUPERSEDED


TAGS = AddOrderTags(order_id=ORDER, tags=("routing-engine:routed", "routing-engine:held"))


class TestAddTags:
    async def test_all_present_is_already_done(self, executor: Executor, shopify: ScriptedShopify) -> None:
        tags = frozenset({"vip", "routing-engine:routed", "routing-engine:held"})
        result = await executor.apply(TAGS, snapshot=snapshot(tags=tags))
        assert result.outcome is IntentOutcome.ALREADY_DONE
        assert shopify.requests == []

    async def test_adds_only_the_missing_tags(self, executor: Executor, shopify: ScriptedShopify) -> None:
        shopify.add_json({"data": {"tagsAdd": {"node": {"id": ORDER}, "userErrors": []}}})
        result = await executor.apply(TAGS, snapshot=snapshot(tags=frozenset({"routing-engine:routed"})))
        assert result.outcome is IntentOutcome.APPLIED
        assert shopify.bodies()[0]["variables"] == {"id": ORDER, "tags": ["routing-engine:held"]}

    async def test_fresh_read_without_snapshot(self, executor: Executor, shopify: ScriptedShopify) -> None:
        shopify.add_json(order_state(["routing-engine:routed", "routing-engine:held"]))
        result = await executor.apply(TAGS)
        assert result.outcome is IntentOutcome.ALREADY_DONE

    async def test_user_errors_fail(self, executor: Executor, shopify: ScriptedShopify) -> None:
        shopify.add_json(
            {
                "data": {
                    "tagsAdd": {
                        "node": None,
                        "userErrors": [{"field": ["id"], "message": "Order does not exist"}],
                    }
                }
            }
        )
        result = await executor.apply(TAGS, snapshot=snapshot())
        assert result.outcome is IntentOutcome.FAILED
        assert "Order does not exist" in result.detail


async def test_graphql_errors_fail_the_intent(executor: Executor, shopify: ScriptedShopify) -> None:
    shopify.add_json(
        {"errors": [{"message": "Access denied for tagsAdd", "extensions": {"code": "ACCESS_DENIED"}}]}
    )
    result = await executor.apply(TAGS, snapshot=snapshot())
    assert result.outcome is IntentOutcome.FAILED
    assert "Access denied" in result.detail


class TestAnnotateOrder:
    async def test_metafield_and_tags_go_in_one_request(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(
            {
                "data": {
                    "metafieldsSet": metafields_payload()["data"]["metafieldsSet"],
                    "tagsAdd": {"node": {"id": ORDER}, "userErrors": []},
                }
            }
        )
        metafield, tags = await executor.annotate_order(METAFIELD, TAGS, snapshot())
        assert (metafield.outcome, tags.outcome) == (IntentOutcome.APPLIED, IntentOutcome.APPLIED)
        (body,) = shopify.bodies()
        assert body["variables"]["metafields"][0]["compareDigest"] is None
        assert body["variables"]["tags"] == list(TAGS.tags)

    async def test_each_half_answers_for_its_own_user_errors(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        stale = {"field": ["metafields", "0"], "message": "stale", "code": "STALE_OBJECT", "elementIndex": 0}
        shopify.add_json(
            {
                "data": {
                    "metafieldsSet": {"metafields": [], "userErrors": [stale]},
                    "tagsAdd": {"node": {"id": ORDER}, "userErrors": []},
                }
            }
        )
        metafield, tags = await executor.annotate_order(METAFIELD, TAGS, snapshot())
        assert (metafield.outcome, tags.outcome) == (IntentOutcome.SUPERSEDED, IntentOutcome.APPLIED)

    async def test_a_half_already_done_sends_only_the_other(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json({"data": {"tagsAdd": {"node": {"id": ORDER}, "userErrors": []}}})
        done = snapshot(metafields={"routing_engine.decision": '{"v":2}'})
        metafield, tags = await executor.annotate_order(METAFIELD, TAGS, done)
        assert (metafield.outcome, tags.outcome) == (IntentOutcome.ALREADY_DONE, IntentOutcome.APPLIED)
        assert (
            "tagsAdd" in shopify.bodies()[0]["query"] and "metafieldsSet" not in shopify.bodies()[0]["query"]
        )


def test_outcome_values_are_the_outbox_states() -> None:
    assert [o.value for o in IntentOutcome] == ["applied", "already_done", "superseded", "failed"]
