"""GraphQL response nodes -> `engine.model` objects (pure functions).

Field names follow the selections in `documents/fragments.graphql`; a missing optional field
maps to the model's default, so lighter selections (the state read) map with the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from engine.model import Address, FulfillmentOrder, FulfillmentOrderLine, Hold, Location, Order

DECISION_METAFIELD = "routing_engine.decision"

Node = Mapping[str, Any]


def nodes(connection: Node | None) -> list[Node]:
    """The `nodes` of a connection, or [] when the connection is null or absent."""
    return list(connection.get("nodes") or ()) if connection else []


def next_cursor(connection: Node | None) -> str | None:
    """The cursor of the next page, or None when this was the last one."""
    page = connection.get("pageInfo") if connection else None
    if page and page.get("hasNextPage"):
        cursor = page.get("endCursor")
        return str(cursor) if cursor else None
    return None


def map_address(node: Node | None) -> Address | None:
    if not node:
        return None
    return Address(
        country_code=node.get("countryCodeV2") or node.get("countryCode"),
        province=node.get("province"),
        province_code=node.get("provinceCode"),
        city=node.get("city"),
        zip=node.get("zip"),
        latitude=node.get("latitude"),
        longitude=node.get("longitude"),
    )


def map_location(node: Node, store: str) -> Location:
    return Location(
        id=node["id"],
        name=node.get("name") or "",
        store=store,
        is_active=bool(node.get("isActive", True)),
        fulfills_online_orders=bool(node.get("fulfillsOnlineOrders", True)),
        address=map_address(node.get("address")) or Address(),
    )


def map_hold(node: Node) -> Hold:
    return Hold(
        id=node["id"],
        reason=node.get("reason") or "OTHER",
        handle=node.get("handle") or None,
        notes=node.get("reasonNotes"),
        held_by_us=bool(node.get("heldByRequestingApp", False)),
    )


def map_line(node: Node) -> FulfillmentOrderLine:
    return FulfillmentOrderLine(
        id=node["id"],
        sku=node.get("sku") or None,
        inventory_item_id=node.get("inventoryItemId"),
        remaining_quantity=int(node["remainingQuantity"]),
        total_quantity=int(node["totalQuantity"]),
        requires_shipping=bool(node.get("requiresShipping", True)),
        vendor=node.get("vendor"),
        product_title=node.get("productTitle"),
        product_type=product_type(node),
        unit_price=unit_price(node.get("financialSummaries")),
    )


def product_type(line: Node) -> str | None:
    """The line's `variant.product.productType`; None when unset ("") or the variant is gone."""
    product = (line.get("variant") or {}).get("product") or {}
    return product.get("productType") or None


def unit_price(summaries: Iterable[Node] | None) -> float | None:
    """Per-unit price in shop money after line discounts, weighted by quantity over the summaries.

    A line has one summary per group of units priced alike; their `quantity` weighs each price.
    """
    priced = [
        (
            Decimal(str(s["approximateDiscountedUnitPriceSet"]["shopMoney"]["amount"])),
            int(s.get("quantity") or 0),
        )
        for s in summaries or ()
    ]
    if not priced:
        return None
    units = sum(quantity for _, quantity in priced)
    if units == 0:  # no quantities to weigh by: every summary counts once
        return float(sum(amount for amount, _ in priced) / len(priced))
    return float(sum(amount * quantity for amount, quantity in priced) / units)


def assigned_location_id(node: Node) -> str | None:
    assigned = node.get("assignedLocation") or {}
    location = assigned.get("location") or {}
    return location.get("id")


def map_fulfillment_order(node: Node, lines: Iterable[Node] | None = None) -> FulfillmentOrder:
    """Map a fulfillment order; `lines` replaces `lineItems.nodes` once extra pages are read."""
    line_nodes = nodes(node.get("lineItems")) if lines is None else list(lines)
    moves = node.get("locationsForMove")
    delivery = node.get("deliveryMethod") or {}
    return FulfillmentOrder(
        id=node["id"],
        status=node["status"],
        request_status=node.get("requestStatus") or "UNSUBMITTED",
        assigned_location_id=assigned_location_id(node),
        delivery_method=delivery.get("methodType"),
        destination=map_address(node.get("destination")),
        lines=tuple(map_line(line) for line in line_nodes),
        holds=tuple(map_hold(hold) for hold in node.get("fulfillmentHolds") or ()),
        supported_actions=frozenset(a["action"] for a in node.get("supportedActions") or ()),
        # Absent when locationsForMove was not asked (@include false): "not asked", not "nowhere".
        movable_to=None if moves is None else movable_location_ids(moves),
    )


def movable_location_ids(connection: Node) -> frozenset[str]:
    return frozenset(n["location"]["id"] for n in nodes(connection) if n.get("movable"))


def move_refusal(connection: Node | None, location_id: str) -> str | None:
    """Shopify's `message` for why the fulfillment order cannot move to `location_id`."""
    for node in nodes(connection):
        if node["location"]["id"] == location_id and not node.get("movable"):
            return str(node.get("message") or "not movable")
    return None


def map_order(node: Node) -> Order:
    metafield = node.get("metafield")
    total = (node.get("totalPriceSet") or {}).get("shopMoney") or {}
    customer = node.get("customer") or {}
    return Order(
        id=node["id"],
        name=node.get("name") or "",
        tags=frozenset(node.get("tags") or ()),
        metafields={DECISION_METAFIELD: metafield["value"]} if metafield else {},
        shipping_address=map_address(node.get("shippingAddress")),
        total_price=float(Decimal(str(total["amount"]))) if total.get("amount") is not None else None,
        currency=total.get("currencyCode"),
        sales_channel=node.get("sourceName"),
        financial_status=node.get("displayFinancialStatus"),
        customer_tags=frozenset(customer.get("tags") or ()),
    )


def map_inventory_levels(level_nodes: Iterable[Node]) -> dict[str, int]:
    """`{location id: available}` from InventoryLevel nodes with `quantities(names: ["available"])`."""
    available: dict[str, int] = {}
    for level in level_nodes:
        quantity = next(
            (q["quantity"] for q in level.get("quantities") or () if q["name"] == "available"), None
        )
        if quantity is not None:
            available[level["location"]["id"]] = int(quantity)
    return available
