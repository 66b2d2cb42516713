"""Shopify's own routing when an order is placed: lines to locations by the store's ranking."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.emulator.fulfillment import FulfillmentOrder, FulfillmentOrderLineItem
from adapters.emulator.locations import Address
from adapters.emulator.orders import PLACEABLE_FINANCIAL_STATUSES, Customer, LineItem, Order, Transaction
from adapters.emulator.outcomes import WebhookEvent
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store


class OrderRejected(ValueError):
    """The requested order can't be placed (unknown SKU, bad quantity, nowhere stocks it)."""


@dataclass(frozen=True)
class OrderLineRequest:
    sku: str
    quantity: int


def choose_location(store: Store, item_id: str, quantity: int) -> str:
    """First ranked location with enough available; else the first ranked that stocks the item."""
    ranked = [loc for loc in store.native_ranking if store.locations[loc].is_active]
    stocking = [loc for loc in ranked if store.inventory.stocks(item_id, loc)]
    for location_id in stocking:
        level = store.inventory.level(item_id, location_id)
        if level is not None and level.available >= quantity:
            return location_id
    if not stocking:
        raise OrderRejected(f"no active ranked location stocks inventory item {item_id}")
    return stocking[0]


def place_order(
    state: EmulatorState,
    store: Store,
    lines: list[OrderLineRequest],
    shipping_address: Address | None = None,
    tags: list[str] | None = None,
    *,
    source_name: str = "web",
    financial_status: str = "PAID",
    customer_tags: list[str] | None = None,
) -> tuple[Order, list[WebhookEvent]]:
    """Place an order as a checkout would; `customer_tags` None places it as a guest checkout."""
    if not lines:
        raise OrderRejected("an order needs at least one line")
    if financial_status not in PLACEABLE_FINANCIAL_STATUSES:
        allowed = ", ".join(PLACEABLE_FINANCIAL_STATUSES)
        raise OrderRejected(f"financial_status {financial_status!r} can't be placed; one of {allowed}")
    items = []
    for line in lines:
        item = store.inventory.item_by_sku(line.sku)
        if item is None:
            raise OrderRejected(f"unknown SKU {line.sku!r} in store {store.domain}")
        if line.quantity < 1:
            raise OrderRejected(f"quantity of {line.sku} must be at least 1")
        items.append((item, line.quantity, choose_location(store, item.id, line.quantity)))
    created = now()
    order = Order(
        id=state.ids.next("Order"),
        name=f"#{store.next_order_number}",
        created_at=created,
        updated_at=created,
        tags=list(dict.fromkeys(tags or [])),
        shipping_address=shipping_address,
        source_name=source_name,
        financial_status=financial_status,
        customer=None
        if customer_tags is None
        else Customer(state.ids.next("Customer"), list(dict.fromkeys(customer_tags))),
    )
    store.next_order_number += 1
    by_location: dict[str, FulfillmentOrder] = {}
    for item, quantity, location_id in items:
        line_item = LineItem(
            id=state.ids.next("LineItem"),
            sku=item.sku,
            title=item.product_title,
            quantity=quantity,
            inventory_item_id=item.id,
            variant_id=item.variant_id,
            vendor=item.vendor,
            price=item.price,
        )
        order.line_items.append(line_item)
        fo = by_location.get(location_id)
        if fo is None:
            fo = FulfillmentOrder(
                id=state.ids.next("FulfillmentOrder"),
                order_id=order.id,
                assigned_location_id=location_id,
                created_at=created,
                updated_at=created,
                destination=shipping_address,
            )
            by_location[location_id] = fo
        fo.line_items.append(
            FulfillmentOrderLineItem(
                id=state.ids.next("FulfillmentOrderLineItem"),
                line_item_id=line_item.id,
                inventory_item_id=item.id,
                sku=item.sku,
                total_quantity=quantity,
                remaining_quantity=quantity,
            )
        )
        store.inventory.commit(item.id, location_id, quantity)
    _record_checkout_payment(state, order)
    store.orders[order.id] = order
    events = []
    for fo in by_location.values():
        store.add_fulfillment_order(fo)
        events.append(
            WebhookEvent("fulfillment_orders/order_routing_complete", {"fulfillment_order": fo_brief(fo)})
        )
    return order, events


def _record_checkout_payment(state: EmulatorState, order: Order) -> None:
    """A paid checkout took a sale; an authorized one holds an authorization; a pending one nothing."""
    kind = {"PAID": "sale", "AUTHORIZED": "authorization"}.get(order.financial_status)
    if kind is not None:
        order.transactions.append(
            Transaction(state.ids.next("OrderTransaction"), kind, order.total_price, order.created_at)
        )


def fo_brief(fo: FulfillmentOrder) -> dict[str, str]:
    """`{"id", "status"}` as webhook payloads carry it (status lower-case)."""
    return {"id": fo.id, "status": fo.status.lower()}
