"""Executor, moves: the precondition outcomes, the mutation sent, the ids it follows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.shopify.errors import ShopifyUnavailable
from adapters.shopify.executor import Executor, IntentOutcome
from engine.intents import (
    LineQuantity,
)
from tests.shopify.conftest import ScriptedShopify
from tests.shopify.executor_world import (
    DALLAS,
    FO,
    HELD_ACTIONS,
    LINE,
    MERCHANT_HOLD,
    MOVE,
    NEWARK,
    OUR_HOLD,
    fulfillment_order,
    move_payload,
    operations,
    snapshot,
    state_node,
)


class TestMove:
    async def test_moves_after_checking_the_snapshot(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(move_payload())
        result = await executor.apply(MOVE, snapshot=snapshot())
        assert result.outcome is IntentOutcome.APPLIED
        assert result.new_ids == {}
        assert operations(shopify) == ["RoutingFulfillmentOrderMove"]
        assert shopify.bodies()[0]["variables"] == {
            "id": FO,
            "newLocationId": NEWARK,
            "fulfillmentOrderLineItems": None,
        }

    async def test_partial_move_reports_the_fulfillment_order_it_carved_out(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(move_payload(moved_id="gid://shopify/FulfillmentOrder/2"))
        intent = MOVE.model_copy(update={"lines": (LineQuantity(id=LINE.id, quantity=1),)})
        result = await executor.apply(intent, snapshot=snapshot())
        assert result.outcome is IntentOutcome.APPLIED
        assert result.created_ids == ("gid://shopify/FulfillmentOrder/2",)
        assert result.new_ids == {}, "the original keeps its id and the rest of its lines"
        assert shopify.bodies()[0]["variables"]["fulfillmentOrderLineItems"] == [
            {"id": LINE.id, "quantity": 1}
        ]

    async def test_a_move_that_closes_the_original_renames_it(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        payload = move_payload(moved_id="gid://shopify/FulfillmentOrder/2")
        payload["data"]["fulfillmentOrderMove"]["originalFulfillmentOrder"]["status"] = "CLOSED"
        shopify.add_json(payload)
        intent = MOVE.model_copy(update={"lines": (LineQuantity(id=LINE.id, quantity=3),)})
        result = await executor.apply(intent, snapshot=snapshot())
        assert result.new_ids == {FO: "gid://shopify/FulfillmentOrder/2"}, "later intents follow it"
        assert result.created_ids == ()

    async def test_already_at_the_target(self, executor: Executor, shopify: ScriptedShopify) -> None:
        result = await executor.apply(MOVE, snapshot=snapshot(fulfillment_order(assigned_location_id=NEWARK)))
        assert result.outcome is IntentOutcome.ALREADY_DONE
        assert shopify.requests == []

    async def test_closed_original_with_a_sibling_at_the_target_is_done(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        closed = fulfillment_order(status="CLOSED", supported_actions=frozenset(), movable_to=frozenset())
        sibling = fulfillment_order(id="gid://shopify/FulfillmentOrder/9", assigned_location_id=NEWARK)
        result = await executor.apply(MOVE, snapshot=snapshot(closed, sibling))
        assert result.outcome is IntentOutcome.ALREADY_DONE
        assert result.new_ids == {FO: "gid://shopify/FulfillmentOrder/9"}

    @pytest.mark.parametrize(
        ("changes", "reason"),
        [
            ({"assigned_location_id": DALLAS}, "moved by someone else"),
            ({"status": "CANCELLED"}, "CANCELLED"),
            ({"status": "CLOSED"}, "CLOSED"),
            (
                {"status": "ON_HOLD", "holds": (MERCHANT_HOLD,), "supported_actions": HELD_ACTIONS},
                "HIGH_RISK_OF_FRAUD",
            ),
            (
                {"status": "ON_HOLD", "holds": (OUR_HOLD, MERCHANT_HOLD)},
                "held by the merchant or another app",
            ),
            ({"request_status": "SUBMITTED"}, "SUBMITTED"),
            ({"request_status": "CANCELLATION_REQUESTED"}, "CANCELLATION_REQUESTED"),
            ({"status": "IN_PROGRESS"}, "IN_PROGRESS"),
        ],
    )
    async def test_superseded_when_someone_else_changed_it(
        self, executor: Executor, shopify: ScriptedShopify, changes: dict[str, Any], reason: str
    ) -> None:
        result = await executor.apply(MOVE, snapshot=snapshot(fulfillment_order(**changes)))
        assert result.outcome is IntentOutcome.SUPERSEDED
        assert reason in result.detail
        assert shopify.requests == []  # never a write

    async def test_moves_a_fulfillment_order_held_only_by_us(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(move_payload())
        held = fulfillment_order(status="ON_HOLD", holds=(OUR_HOLD,), supported_actions=HELD_ACTIONS)
        result = await executor.apply(MOVE, snapshot=snapshot(held))
        assert result.outcome is IntentOutcome.APPLIED

    async def test_partial_move_whose_lines_are_gone_is_superseded(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        intent = MOVE.model_copy(
            update={"lines": (LineQuantity(id="gid://shopify/FulfillmentOrderLineItem/7", quantity=1),)}
        )
        result = await executor.apply(intent, snapshot=snapshot())
        assert result.outcome is IntentOutcome.SUPERSEDED

    async def test_not_movable_is_confirmed_by_a_fresh_read_with_shopifys_message(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(state_node(moves=[(NEWARK, False, "No inventory at location for: NW-0001")]))
        result = await executor.apply(
            MOVE, snapshot=snapshot(fulfillment_order(movable_to=frozenset({DALLAS})))
        )
        assert result.outcome is IntentOutcome.FAILED
        assert "No inventory at location for: NW-0001" in result.detail
        variables = shopify.bodies()[0]["variables"]
        assert variables["candidateLocationIds"] == [NEWARK] and variables["withLocationsForMove"] is True

    async def test_stale_snapshot_refusal_then_fresh_read_allows_the_move(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(state_node(moves=[(NEWARK, True, None)]))
        shopify.add_json(move_payload())
        result = await executor.apply(MOVE, snapshot=snapshot(fulfillment_order(movable_to=None)))
        assert result.outcome is IntentOutcome.APPLIED
        assert operations(shopify) == ["RoutingFulfillmentOrderState", "RoutingFulfillmentOrderMove"]

    async def test_without_snapshot_reads_state_once(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(state_node(moves=[(NEWARK, True, None)]))
        shopify.add_json(move_payload())
        result = await executor.apply(MOVE)
        assert result.outcome is IntentOutcome.APPLIED
        assert operations(shopify) == ["RoutingFulfillmentOrderState", "RoutingFulfillmentOrderMove"]

    async def test_fresh_read_finds_the_move_already_done_elsewhere_in_the_order(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        sibling = {
            "id": "gid://shopify/FulfillmentOrder/9",
            "status": "OPEN",
            "assignedLocation": {"location": {"id": NEWARK}},
        }
        shopify.add_json(state_node(status="CLOSED", actions=frozenset(), moves=[], siblings=[sibling]))
        result = await executor.apply(MOVE)
        assert result.outcome is IntentOutcome.ALREADY_DONE
        assert result.new_ids == {FO: "gid://shopify/FulfillmentOrder/9"}

    async def test_missing_fulfillment_order_is_superseded(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json({"data": {"fulfillmentOrder": None}})
        result = await executor.apply(MOVE)
        assert result.outcome is IntentOutcome.SUPERSEDED

    async def test_user_errors_fail_with_the_message(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(move_payload(errors=[{"field": None, "message": "Cannot change location."}]))
        result = await executor.apply(MOVE, snapshot=snapshot())
        assert result.outcome is IntentOutcome.FAILED
        assert "Cannot change location." in result.detail
        assert result.payload is not None and result.payload["userErrors"]

    async def test_lost_response_propagates_for_a_later_recheck(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add(httpx.ReadTimeout("timed out"))
        with pytest.raises(ShopifyUnavailable):
            await executor.apply(MOVE, snapshot=snapshot())
