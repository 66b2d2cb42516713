"""The executor specs' world: one fulfillment order of one order, its states as Shopify answers
them, and the intents sent against it."""

from __future__ import annotations

from typing import Any

from engine.intents import (
    MoveFulfillmentOrder,
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


def operations(shopify: ScriptedShopify) -> list[str]:
    return [body["operationName"] for body in shopify.bodies()]
