"""Executor: each intent's precondition outcomes, the mutation it sends, the ids it follows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.shopify.client import ShopifyClient
from adapters.shopify.errors import ShopifyUnavailable
from adapters.shopify.executor import Executor, IntentOutcome
from engine.intents import (
    AddOrderTags,
    HoldFulfillmentOrder,
    LineQuantity,
    MoveFulfillmentOrder,
    ReleaseHold,
    SetOrderMetafield,
    hold_handle,
)
from engine.model import FulfillmentOrder, FulfillmentOrderLine, Hold, Order, Snapshot
from tests.shopify.conftest import ScriptedShopify

FO = "gid://shopify/FulfillmentOrder/1"
ORDER = "gid://shopify/Order/1"
BROOKLYN, NEWARK, DALLAS = (f"gid://shopify/Location/{n}" for n in (5, 1, 3))
HANDLE = hold_handle("INVENTORY_OUT_OF_STOCK")
LINE = FulfillmentOrderLine(
    id="gid://shopify/FulfillmentOrderLineItem/1", remaining_quantity=3, total_quantity=3
)
OUR_HOLD = Hold(
    id="gid://shopify/FulfillmentHold/1", reason="INVENTORY_OUT_OF_STOCK", handle=HANDLE, held_by_us=True
)
OUR_HOLD_NODE = {
    "id": OUR_HOLD.id,
    "reason": OUR_HOLD.reason,
    "handle": HANDLE,
    "reasonNotes": None,
    "heldByRequestingApp": True,
}
MERCHANT_HOLD = Hold(id="gid://shopify/FulfillmentHold/2", reason="HIGH_RISK_OF_FRAUD", held_by_us=False)
OPEN_ACTIONS = frozenset({"CREATE_FULFILLMENT", "MOVE", "HOLD", "SPLIT"})
HELD_ACTIONS = frozenset({"RELEASE_HOLD", "HOLD", "MOVE"})


def fulfillment_order(**changes: Any) -> FulfillmentOrder:
    values: dict[str, Any] = {
        "id": FO,
        "status": "OPEN",
        "assigned_location_id": BROOKLYN,
        "lines": (LINE,),
        "supported_actions": OPEN_ACTIONS,
        "movable_to": frozenset({NEWARK}),
    }
    return FulfillmentOrder(**(values | changes))


def snapshot(
    *fos: FulfillmentOrder, tags: frozenset[str] = frozenset(), metafields: dict[str, str] | None = None
) -> Snapshot:
    return Snapshot(
        store="north-wind-us.myshopify.com",
        order=Order(id=ORDER, name="#1001", tags=tags, metafields=metafields or {}),
        fulfillment_orders=fos or (fulfillment_order(),),
        locations=(),
    )


def state_node(
    *,
    status: str = "OPEN",
    location: str = BROOKLYN,
    holds: list[dict[str, Any]] | None = None,
    actions: frozenset[str] = OPEN_ACTIONS,
    moves: list[tuple[str, bool, str | None]] | None = None,
    siblings: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A RoutingFulfillmentOrderState response, shaped as Shopify answers it."""
    node: dict[str, Any] = {
        "id": FO,
        "status": status,
        "requestStatus": "UNSUBMITTED",
        "assignedLocation": {"location": {"id": location}},
        "destination": None,
        "deliveryMethod": {"methodType": "SHIPPING"},
        "fulfillmentHolds": holds or [],
        "supportedActions": [{"action": a} for a in sorted(actions)],
        "lineItems": {
            "nodes": [{"id": LINE.id, "remainingQuantity": 3, "totalQuantity": 3, "sku": "NW-0001"}],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        },
        "order": {"id": ORDER, "fulfillmentOrders": {"nodes": siblings or []}},
    }
    if moves is not None:
        node["locationsForMove"] = {
            "nodes": [{"location": {"id": loc}, "movable": ok, "message": msg} for loc, ok, msg in moves]
        }
    return {"data": {"fulfillmentOrder": node}}


def move_payload(moved_id: str = FO, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    moved = None if errors else {"id": moved_id, "status": "OPEN"}
    original = None if errors else {"id": FO, "status": "OPEN"}
    return {
        "data": {
            "fulfillmentOrderMove": {
                "movedFulfillmentOrder": moved,
                "originalFulfillmentOrder": original,
                "userErrors": errors or [],
            }
        }
    }


MOVE = MoveFulfillmentOrder(fulfillment_order_id=FO, from_location_id=BROOKLYN, to_location_id=NEWARK)


@pytest.fixture
def executor(client: ShopifyClient) -> Executor:
    return Executor(client)


def operations(shopify: ScriptedShopify) -> list[str]:
    return [body["operationName"] for body in shopify.bodies()]


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
