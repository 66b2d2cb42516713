"""Executor, holds and releases: a hold's preconditions (right after our own move too) and a release."""

from __future__ import annotations

from typing import Any

from adapters.shopify.executor import Executor, IntentOutcome
from engine.intents import (
    HoldFulfillmentOrder,
    LineQuantity,
    ReleaseHold,
)
from tests.shopify.conftest import ScriptedShopify
from tests.shopify.executor_world import (
    FO,
    HANDLE,
    HELD_ACTIONS,
    LINE,
    MERCHANT_HOLD,
    MOVE,
    OUR_HOLD,
    OUR_HOLD_NODE,
    fulfillment_order,
    move_payload,
    operations,
    snapshot,
    state_node,
)

HOLD = HoldFulfillmentOrder(
    fulfillment_order_id=FO, reason="INVENTORY_OUT_OF_STOCK", notes="Short: NW-0001", handle=HANDLE
)


def hold_payload(errors: list[dict[str, Any]] | None = None, remaining: str | None = None) -> dict[str, Any]:
    return {
        "data": {
            "fulfillmentOrderHold": {
                "fulfillmentHold": None if errors else {"id": OUR_HOLD.id, "handle": HANDLE},
                "fulfillmentOrder": None if errors else {"id": FO, "status": "ON_HOLD"},
                "remainingFulfillmentOrder": {"id": remaining, "status": "OPEN"} if remaining else None,
                "userErrors": errors or [],
            }
        }
    }


class TestHold:
    async def test_places_our_hold(self, executor: Executor, shopify: ScriptedShopify) -> None:
        shopify.add_json(hold_payload(remaining="gid://shopify/FulfillmentOrder/2"))
        intent = HOLD.model_copy(update={"lines": (LineQuantity(id=LINE.id, quantity=2),)})
        result = await executor.apply(intent, snapshot=snapshot())
        assert result.outcome is IntentOutcome.APPLIED
        assert "gid://shopify/FulfillmentOrder/2" in result.detail
        assert shopify.bodies()[0]["variables"] == {
            "id": FO,
            "fulfillmentHold": {
                "reason": "INVENTORY_OUT_OF_STOCK",
                "reasonNotes": "Short: NW-0001",
                "handle": HANDLE,
                "notifyMerchant": False,
                "fulfillmentOrderLineItems": [{"id": LINE.id, "quantity": 2}],
            },
        }

    async def test_our_hold_already_there(self, executor: Executor, shopify: ScriptedShopify) -> None:
        held = fulfillment_order(status="ON_HOLD", holds=(OUR_HOLD,), supported_actions=HELD_ACTIONS)
        result = await executor.apply(HOLD, snapshot=snapshot(held))
        assert result.outcome is IntentOutcome.ALREADY_DONE
        assert shopify.requests == []

    async def test_duplicate_handle_means_already_done(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        error = {
            "field": ["fulfillmentHold", "handle"],
            "message": "in use",
            "code": "DUPLICATE_FULFILLMENT_HOLD_HANDLE",
        }
        shopify.add_json(hold_payload(errors=[error]))
        result = await executor.apply(HOLD, snapshot=snapshot())
        assert result.outcome is IntentOutcome.ALREADY_DONE

    async def test_other_user_errors_fail(self, executor: Executor, shopify: ScriptedShopify) -> None:
        error = {"field": ["id"], "message": "limit", "code": "FULFILLMENT_ORDER_HOLD_LIMIT_REACHED"}
        shopify.add_json(hold_payload(errors=[error]))
        result = await executor.apply(HOLD, snapshot=snapshot())
        assert result.outcome is IntentOutcome.FAILED
        assert "FULFILLMENT_ORDER_HOLD_LIMIT_REACHED" in result.detail

    async def test_closed_fulfillment_order_is_superseded(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(state_node(status="CLOSED", actions=frozenset()))
        result = await executor.apply(HOLD)
        assert result.outcome is IntentOutcome.SUPERSEDED


RELEASE = ReleaseHold(fulfillment_order_id=FO, handle=HANDLE)


class TestHoldRightAfterOurMove:
    """A vendor PO or a hand-off moves the lines, then holds them: the move's answer says enough."""

    async def test_holds_without_reading_the_moved_fulfillment_order(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        moved_id = "gid://shopify/FulfillmentOrder/9"
        shopify.add_json(move_payload(moved_id))
        shopify.add_json(hold_payload())
        await executor.apply(MOVE, snapshot=snapshot())
        held = await executor.apply(HOLD.model_copy(update={"fulfillment_order_id": moved_id}), snapshot=None)
        assert held.outcome is IntentOutcome.APPLIED
        assert operations(shopify) == ["RoutingFulfillmentOrderMove", "RoutingFulfillmentOrderHold"]

    async def test_shopifys_refusal_of_the_hold_is_the_precondition(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        shopify.add_json(move_payload())
        shopify.add_json(hold_payload(errors=[{"field": ["id"], "message": "cannot be held", "code": None}]))
        await executor.apply(MOVE, snapshot=snapshot())
        held = await executor.apply(HOLD, snapshot=None)
        assert held.outcome is IntentOutcome.FAILED and "cannot be held" in held.detail
        assert operations(shopify) == ["RoutingFulfillmentOrderMove", "RoutingFulfillmentOrderHold"]

    async def test_a_moved_fulfillment_order_already_closed_is_superseded(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        closed = move_payload()
        closed["data"]["fulfillmentOrderMove"]["movedFulfillmentOrder"]["status"] = "CLOSED"
        shopify.add_json(closed)
        await executor.apply(MOVE, snapshot=snapshot())
        held = await executor.apply(HOLD, snapshot=None)
        assert held.outcome is IntentOutcome.SUPERSEDED
        assert operations(shopify) == ["RoutingFulfillmentOrderMove"]

    async def test_a_hold_moments_after_the_order_read_needs_no_read_either(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        # A hand-off whose lines Shopify already put at the stand-in: no move, then the hold.
        shopify.add_json(hold_payload())
        executor.read(snapshot())
        held = await executor.apply(HOLD, snapshot=None)
        assert held.outcome is IntentOutcome.APPLIED
        assert operations(shopify) == ["RoutingFulfillmentOrderHold"]

    async def test_a_read_that_shows_a_hold_reads_the_holds_before_holding(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        # A decision resumed after a crash: its hold landed before the process died (the chaos run).
        shopify.add_json(state_node(status="ON_HOLD", holds=[OUR_HOLD_NODE], actions=HELD_ACTIONS))
        executor.read(snapshot(fulfillment_order(status="ON_HOLD", supported_actions=HELD_ACTIONS)))
        held = await executor.apply(HOLD, snapshot=None)
        assert held.outcome is IntentOutcome.ALREADY_DONE
        assert operations(shopify) == ["RoutingFulfillmentOrderState"]

    async def test_a_second_hold_reads_afresh(self, executor: Executor, shopify: ScriptedShopify) -> None:
        shopify.add_json(move_payload())
        shopify.add_json(hold_payload())
        shopify.add_json(state_node(status="ON_HOLD", holds=[OUR_HOLD_NODE], actions=HELD_ACTIONS))
        await executor.apply(MOVE, snapshot=snapshot())
        await executor.apply(HOLD, snapshot=None)
        again = await executor.apply(HOLD, snapshot=None)
        assert again.outcome is IntentOutcome.ALREADY_DONE
        assert operations(shopify)[-1] == "RoutingFulfillmentOrderState"


class TestRelease:
    async def test_releases_only_our_hold_by_id(self, executor: Executor, shopify: ScriptedShopify) -> None:
        shopify.add_json(
            {
                "data": {
                    "fulfillmentOrderReleaseHold": {
                        "fulfillmentOrder": {"id": FO, "status": "ON_HOLD"},
                        "userErrors": [],
                    }
                }
            }
        )
        held = fulfillment_order(
            status="ON_HOLD", holds=(MERCHANT_HOLD, OUR_HOLD), supported_actions=HELD_ACTIONS
        )
        result = await executor.apply(RELEASE, snapshot=snapshot(held))
        assert result.outcome is IntentOutcome.APPLIED
        assert shopify.bodies()[0]["variables"] == {"id": FO, "holdIds": [OUR_HOLD.id]}

    async def test_absent_hold_is_already_released(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        result = await executor.apply(RELEASE, snapshot=snapshot(fulfillment_order(holds=(MERCHANT_HOLD,))))
        assert result.outcome is IntentOutcome.ALREADY_DONE
        assert shopify.requests == []

    async def test_fresh_read_without_snapshot(self, executor: Executor, shopify: ScriptedShopify) -> None:
        shopify.add_json(state_node(status="OPEN"))
        result = await executor.apply(RELEASE)
        assert result.outcome is IntentOutcome.ALREADY_DONE
        assert shopify.bodies()[0]["variables"]["withLocationsForMove"] is False

    async def test_user_errors_fail_when_shopify_still_shows_our_hold(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        error = {"field": ["id"], "message": "no access", "code": "INVALID_ACCESS"}
        shopify.add_json(
            {"data": {"fulfillmentOrderReleaseHold": {"fulfillmentOrder": None, "userErrors": [error]}}}
        )
        shopify.add_json(state_node(status="ON_HOLD", holds=[OUR_HOLD_NODE], actions=HELD_ACTIONS))
        held = fulfillment_order(status="ON_HOLD", holds=(OUR_HOLD,), supported_actions=HELD_ACTIONS)
        result = await executor.apply(RELEASE, snapshot=snapshot(held))
        assert result.outcome is IntentOutcome.FAILED

    async def test_a_refusal_because_someone_released_it_meanwhile_is_already_done(
        self, executor: Executor, shopify: ScriptedShopify
    ) -> None:
        error = {"field": ["id"], "message": "The fulfillment order is not on hold.", "code": "INVALID"}
        shopify.add_json(
            {"data": {"fulfillmentOrderReleaseHold": {"fulfillmentOrder": None, "userErrors": [error]}}}
        )
        shopify.add_json(state_node(status="OPEN"))
        held = fulfillment_order(status="ON_HOLD", holds=(OUR_HOLD,), supported_actions=HELD_ACTIONS)
        result = await executor.apply(RELEASE, snapshot=snapshot(held))
        assert result.outcome is IntentOutcome.ALREADY_DONE
