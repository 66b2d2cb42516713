"""A partial move retried after its answer was lost is recognised, not made a second time.

The original keeps the rest of a larger line, so after a partial move landed it may still hold at
least the requested quantities; the retry then finds the fulfillment order the move created by
its order line items (which Shopify keeps across fulfillment orders).
"""

from __future__ import annotations

from typing import Any

import pytest

from adapters.shopify.client import ShopifyClient
from adapters.shopify.executor import Executor, IntentOutcome
from adapters.shopify.placement import PlacedFulfillmentOrder, carved_out
from engine.intents import LineQuantity, MoveFulfillmentOrder
from engine.model import FulfillmentOrder, Order, Snapshot
from tests.shopify.conftest import ScriptedShopify
from tests.shopify.executor_world import (
    BROOKLYN,
    FO,
    LINE,
    NEWARK,
    ORDER,
    move_payload,
    operations,
    state_node,
)

MUG = "gid://shopify/LineItem/71"  # the order line item behind LINE (3 units at Brooklyn)
CARVED = "gid://shopify/FulfillmentOrder/2"
PARTIAL = MoveFulfillmentOrder(
    fulfillment_order_id=FO,
    from_location_id=BROOKLYN,
    to_location_id=NEWARK,
    lines=(LineQuantity(id=LINE.id, quantity=1),),
)


def placement(*fulfillment_orders: dict[str, Any]) -> dict[str, Any]:
    """A RoutingLinePlacement response for the order of FO."""
    return {
        "data": {
            "fulfillmentOrder": {
                "id": FO,
                "order": {"id": ORDER, "fulfillmentOrders": {"nodes": list(fulfillment_orders)}},
            }
        }
    }


def placed(fo_id: str, location: str, *lines: tuple[str, str, int], status: str = "OPEN") -> dict[str, Any]:
    return {
        "id": fo_id,
        "status": status,
        "assignedLocation": {"location": {"id": location}},
        "lineItems": {
            "nodes": [
                {"id": line_id, "remainingQuantity": quantity, "lineItem": {"id": line_item}}
                for line_id, line_item, quantity in lines
            ]
        },
    }


# After the lost move: Brooklyn keeps 2 of the mug (same line id), Newark has the 1 moved.
ORIGINAL_AFTER = placed(FO, BROOKLYN, (LINE.id, MUG, 2))
CARVED_AT_NEWARK = placed(CARVED, NEWARK, ("gid://shopify/FulfillmentOrderLineItem/9", MUG, 1))


def decided_on(*extra: FulfillmentOrder) -> Snapshot:
    original = FulfillmentOrder(id=FO, status="OPEN", assigned_location_id=BROOKLYN, lines=(LINE,))
    return Snapshot(
        store="north-wind-us.myshopify.com",
        order=Order(id=ORDER),
        fulfillment_orders=(original, *extra),
        locations=(),
    )


@pytest.fixture
def executor(client: ShopifyClient) -> Executor:
    return Executor(client)


async def test_a_partial_move_that_landed_is_recognised_by_its_order_line_items(
    executor: Executor, shopify: ScriptedShopify
) -> None:
    # The fresh state still shows 2 >= 1 units at Brooklyn: by itself it says "move".
    remaining_two = state_node(moves=[(NEWARK, True, None)])
    remaining_two["data"]["fulfillmentOrder"]["lineItems"]["nodes"][0]["remainingQuantity"] = 2
    shopify.add_json(remaining_two)
    shopify.add_json(placement(ORIGINAL_AFTER, CARVED_AT_NEWARK))
    result = await executor.apply(PARTIAL, snapshot=None, decided_on=decided_on())
    assert result.outcome is IntentOutcome.ALREADY_DONE
    assert result.created_ids == (CARVED,) and result.new_ids == {}, "the original keeps the rest"
    assert operations(shopify) == ["RoutingFulfillmentOrderState", "RoutingLinePlacement"], "no second move"


async def test_a_partial_move_that_did_not_land_is_made(executor: Executor, shopify: ScriptedShopify) -> None:
    shopify.add_json(state_node(moves=[(NEWARK, True, None)]))
    shopify.add_json(placement(placed(FO, BROOKLYN, (LINE.id, MUG, 3))))
    shopify.add_json(move_payload(moved_id=CARVED))
    result = await executor.apply(PARTIAL, snapshot=None, decided_on=decided_on())
    assert result.outcome is IntentOutcome.APPLIED and result.created_ids == (CARVED,)
    assert operations(shopify) == [
        "RoutingFulfillmentOrderState",
        "RoutingLinePlacement",
        "RoutingFulfillmentOrderMove",
    ]


async def test_a_fulfillment_order_already_there_when_deciding_is_not_mistaken_for_the_result(
    executor: Executor, shopify: ScriptedShopify
) -> None:
    # Shopify's own routing had already put one mug at Newark in FO 2 before we decided.
    shopify.add_json(state_node(moves=[(NEWARK, True, None)]))
    shopify.add_json(placement(placed(FO, BROOKLYN, (LINE.id, MUG, 3)), CARVED_AT_NEWARK))
    shopify.add_json(move_payload(moved_id="gid://shopify/FulfillmentOrder/3"))
    there_before = FulfillmentOrder(id=CARVED, status="OPEN", assigned_location_id=NEWARK)
    result = await executor.apply(PARTIAL, snapshot=None, decided_on=decided_on(there_before))
    assert result.outcome is IntentOutcome.APPLIED
    assert operations(shopify)[-1] == "RoutingFulfillmentOrderMove"


async def test_a_first_attempt_under_the_lock_needs_no_placement_read(
    executor: Executor, shopify: ScriptedShopify
) -> None:
    shopify.add_json(move_payload(moved_id=CARVED))
    snapshot = decided_on().model_copy(
        update={
            "fulfillment_orders": (
                FulfillmentOrder(
                    id=FO,
                    status="OPEN",
                    assigned_location_id=BROOKLYN,
                    lines=(LINE,),
                    supported_actions=frozenset({"MOVE"}),
                    movable_to=frozenset({NEWARK}),
                ),
            )
        }
    )
    result = await executor.apply(PARTIAL, snapshot=snapshot)
    assert result.outcome is IntentOutcome.APPLIED
    assert operations(shopify) == ["RoutingFulfillmentOrderMove"]


class TestCarvedOut:
    ORIGINAL = PlacedFulfillmentOrder(FO, "OPEN", BROOKLYN, {MUG: 2}, {LINE.id: MUG})
    RESULT = PlacedFulfillmentOrder(CARVED, "OPEN", NEWARK, {MUG: 1}, {"fol-9": MUG})

    def test_finds_the_new_fulfillment_order_holding_exactly_the_moved_units(self) -> None:
        assert carved_out([self.ORIGINAL, self.RESULT], FO, PARTIAL.lines, NEWARK) == CARVED

    @pytest.mark.parametrize(
        "other",
        [
            PlacedFulfillmentOrder(CARVED, "OPEN", NEWARK, {MUG: 2}, {}),  # more units than moved
            PlacedFulfillmentOrder(CARVED, "OPEN", NEWARK, {MUG: 1, "gid://shopify/LineItem/8": 1}, {}),
            PlacedFulfillmentOrder(CARVED, "OPEN", BROOKLYN, {MUG: 1}, {}),  # another location
            PlacedFulfillmentOrder(CARVED, "CLOSED", NEWARK, {MUG: 1}, {}),  # fulfilled or merged away
        ],
        ids=["more units", "other line items", "elsewhere", "closed"],
    )
    def test_anything_else_is_not_the_result(self, other: PlacedFulfillmentOrder) -> None:
        assert carved_out([self.ORIGINAL, other], FO, PARTIAL.lines, NEWARK) is None

    def test_a_line_no_longer_in_the_original_cannot_be_traced(self) -> None:
        emptied = PlacedFulfillmentOrder(FO, "OPEN", BROOKLYN, {}, {})
        assert carved_out([emptied, self.RESULT], FO, PARTIAL.lines, NEWARK) is None

    def test_known_fulfillment_orders_are_left_out(self) -> None:
        assert carved_out([self.ORIGINAL, self.RESULT], FO, PARTIAL.lines, NEWARK, known_ids={CARVED}) is None
