"""Recognise a partial move or split that already landed, from where the order's units are now.

`fulfillmentOrderMove` with lines and `fulfillmentOrderSplit` take no idempotency key. When the
answer to one is lost (timeout, dropped connection, crash before the outbox was settled), the
original fulfillment order may still hold at least the requested quantities (it kept the rest of
a larger line), so its state alone cannot tell "done" from "not done", and a blind retry would
carve out the quantities a second time. Before such a retry we read every fulfillment order of
the order (`RoutingLinePlacement`) and look for the one the first attempt created.

What this relies on, as the recordings show (`fulfillment-order-move-multi-line`,
`fulfillment-order-split-multi`):
- the units carved out land in a *new* fulfillment order holding exactly the requested
  quantities (at the target location for a move, at the same location for a split);
- a fulfillment-order line id changes when its units go to another fulfillment order, but its
  order line item (`FulfillmentOrderLineItem.lineItem.id`) stays the same;
- a partly taken line keeps its id in the original, so the requested line ids still name their
  order line items there.
A fulfillment order that already existed when the decision was made (`known_ids`) is never taken
for the result, so one that only happens to hold the same quantities does not count.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from adapters.shopify import documents, mapping
from adapters.shopify.client import ShopifyClient
from engine.intents import LineQuantity

FINISHED_STATUSES = frozenset({"CLOSED", "CANCELLED", "INCOMPLETE"})


@dataclass(frozen=True)
class PlacedFulfillmentOrder:
    id: str
    status: str
    location_id: str | None
    # order line item id -> remaining quantity in this fulfillment order
    units: Mapping[str, int]
    # fulfillment-order line id -> its order line item id
    line_items: Mapping[str, str]


async def read_line_placement(
    client: ShopifyClient, fulfillment_order_id: str
) -> list[PlacedFulfillmentOrder]:
    """Every fulfillment order of the order `fulfillment_order_id` belongs to, with its units."""
    data = await client.execute(documents.LINE_PLACEMENT, {"id": fulfillment_order_id})
    node = data.get("fulfillmentOrder")
    if node is None:
        return []
    return [_placed(fo) for fo in mapping.nodes(node["order"]["fulfillmentOrders"])]


def _placed(node: mapping.Node) -> PlacedFulfillmentOrder:
    units: dict[str, int] = {}
    line_items: dict[str, str] = {}
    for line in mapping.nodes(node.get("lineItems")):
        line_item = (line.get("lineItem") or {}).get("id")
        if line_item is None:
            continue
        line_items[line["id"]] = line_item
        units[line_item] = units.get(line_item, 0) + int(line["remainingQuantity"])
    return PlacedFulfillmentOrder(
        id=node["id"],
        status=node["status"],
        location_id=mapping.assigned_location_id(node),
        units={item: quantity for item, quantity in units.items() if quantity > 0},
        line_items=line_items,
    )


def carved_out(
    placement: Iterable[PlacedFulfillmentOrder],
    original_id: str,
    lines: Iterable[LineQuantity],
    location_id: str | None,
    known_ids: Collection[str] = (),
) -> str | None:
    """The fulfillment order an earlier attempt carved `lines` of `original_id` into, if any.

    `location_id` is where the carved-out units went (the move's target; the split's own location).
    None when the lines cannot be traced (a requested line is not in the original any more) or no
    fulfillment order created since the decision holds exactly those units there.
    """
    placed = list(placement)
    original = next((fo for fo in placed if fo.id == original_id), None)
    if original is None:
        return None
    wanted: dict[str, int] = {}
    for line in lines:
        line_item = original.line_items.get(line.id)
        if line_item is None:
            return None
        wanted[line_item] = wanted.get(line_item, 0) + line.quantity
    for fo in placed:
        if fo.id == original_id or fo.id in known_ids or fo.status in FINISHED_STATUSES:
            continue
        if fo.location_id == location_id and dict(fo.units) == wanted:
            return fo.id
    return None
