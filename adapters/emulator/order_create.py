"""orderCreate: an order placed through the Admin API, routed as a checkout's would be.

As in the 2025-01 order-create recording the new order comes back with its fulfillment orders
already assigned (Shopify routes it before answering); the emulator routes it with the store's
native ranking (`routing.place_order`) and sends `orders/create` and then
`fulfillment_orders/order_routing_complete` per fulfillment order. Without transactions the order
is PENDING (PAID after a successful sale, AUTHORIZED after an authorization). Inventory follows
`options.inventoryBehaviour`: BYPASS (the default) claims nothing,
DECREMENT_IGNORING_POLICY commits even below zero, DECREMENT_OBEYING_POLICY commits or refuses
with INVENTORY_CLAIM_FAILED when the store's active locations hold fewer units (the emulator's
variants never allow overselling). Only line items with a `variantId` are emulated; custom items
(title and price only) raise, so a document relying on them fails loudly here. userError
messages are our wording: none is recorded.
"""

from __future__ import annotations

import json
from typing import Any

from graphql import GraphQLError

from adapters.emulator.inventory import InventoryItem
from adapters.emulator.locations import Address
from adapters.emulator.orders import Metafield, Order
from adapters.emulator.outcomes import Outcome, UserError, WebhookEvent
from adapters.emulator.rest import order_resource
from adapters.emulator.routing import OrderLineRequest, OrderRejected, place_order
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store

BEHAVIOURS = frozenset({"BYPASS", "DECREMENT_IGNORING_POLICY", "DECREMENT_OBEYING_POLICY"})


def _lines(store: Store, order: dict[str, Any]) -> tuple[list[tuple[InventoryItem, int]], UserError | None]:
    entries = order.get("lineItems") or []
    if not entries:
        return [], UserError("An order needs at least one line item.", ["order", "lineItems"], "INVALID")
    by_variant = {item.variant_id: item for item in store.inventory.items.values()}
    lines: list[tuple[InventoryItem, int]] = []
    for index, entry in enumerate(entries):
        where = ["order", "lineItems", str(index)]
        variant_id = entry.get("variantId")
        if variant_id is None:
            raise GraphQLError("the emulator creates orders only from line items with a variantId")
        item = by_variant.get(variant_id)
        if item is None:
            return [], UserError(f"Variant {variant_id} does not exist.", [*where, "variantId"], "INVALID")
        if entry["quantity"] < 1:
            return [], UserError("Quantity must be greater than 0.", [*where, "quantity"], "INVALID")
        lines.append((item, entry["quantity"]))
    return lines, None


def _claim_error(store: Store, lines: list[tuple[InventoryItem, int]]) -> UserError | None:
    wanted: dict[str, int] = {}
    for item, quantity in lines:
        wanted[item.id] = wanted.get(item.id, 0) + quantity
    active = {loc_id for loc_id, loc in store.locations.items() if loc.is_active}
    for index, (item, _) in enumerate(lines):
        have = sum(
            max(level.available, 0)
            for level in store.inventory.levels_of(item.id)
            if level.location_id in active
        )
        if have < wanted[item.id]:
            message = f"Unable to claim inventory for {item.sku}: {wanted[item.id]} wanted, {have} available."
            return UserError(message, ["order", "lineItems", str(index)], "INVENTORY_CLAIM_FAILED")
    return None


def _metafields(
    state: EmulatorState, order: dict[str, Any], owner_id: str
) -> tuple[list[Metafield], UserError | None]:
    made: list[Metafield] = []
    stamp = now()
    for index, entry in enumerate(order.get("metafields") or []):
        where = ["order", "metafields", str(index)]
        if not entry.get("namespace") or not entry.get("key") or entry.get("value") is None:
            return [], UserError("Namespace, key and value are required.", where, "INVALID")
        kind = entry.get("type")
        if not kind:
            return [], UserError("Type can't be blank.", [*where, "type"], "INVALID")
        if kind == "json":
            try:
                json.loads(entry["value"])
            except ValueError:
                return [], UserError("Value is invalid JSON.", [*where, "value"], "INVALID")
        made.append(
            Metafield(
                id=state.ids.next("Metafield"),
                owner_id=owner_id,
                namespace=entry["namespace"],
                key=entry["key"],
                type=kind,
                value=entry["value"],
                created_at=stamp,
                updated_at=stamp,
            )
        )
    return made, None


def _address(raw: dict[str, Any] | None) -> Address | None:
    if not raw:
        return None
    return Address(
        address1=raw.get("address1"),
        city=raw.get("city"),
        province_code=raw.get("provinceCode"),
        country_code=raw.get("countryCode"),
        zip=raw.get("zip"),
        first_name=raw.get("firstName"),
        last_name=raw.get("lastName"),
        phone=raw.get("phone"),
    )


def create_order(
    state: EmulatorState, store: Store, order: dict[str, Any], options: dict[str, Any] | None = None
) -> Outcome:
    """Create, route and (per the inventory behaviour) commit the order; nothing changes on userErrors."""
    behaviour = (options or {}).get("inventoryBehaviour") or "BYPASS"
    lines, error = _lines(store, order)
    if error is None and behaviour == "DECREMENT_OBEYING_POLICY":
        error = _claim_error(store, lines)
    probe_id = "gid://shopify/Order/0"  # the owner is set once the order exists
    metafields, metafield_error = _metafields(state, order, probe_id)
    error = error or metafield_error
    if error is not None:
        return Outcome(objects={"order": None}, user_errors=[error])
    requests = [OrderLineRequest(item.sku, quantity) for item, quantity in lines]
    try:
        created, routed = place_order(
            state,
            store,
            requests,
            _address(order.get("shippingAddress")),
            list(order.get("tags") or []),
            source_name=str(order.get("sourceName") or "api"),
            financial_status=_financial_status(order),
        )
    except OrderRejected as exc:
        return Outcome(objects={"order": None}, user_errors=[UserError(str(exc), ["order"], "INVALID")])
    created.email = order.get("email")
    created.note = order.get("note")
    for metafield in metafields:
        metafield.owner_id = created.id
    created.metafields.extend(metafields)
    if behaviour == "BYPASS":
        _release_claims(store, created)
    events = [WebhookEvent("orders/create", created_payload(store, created)), *routed]
    return Outcome(objects={"order": created}, events=events)


def _financial_status(order: dict[str, Any]) -> str:
    """PAID with a successful sale or capture, AUTHORIZED with an authorization, else PENDING."""
    kinds = {
        t.get("kind") or "SALE"
        for t in order.get("transactions") or ()
        if t.get("status") in (None, "SUCCESS")
    }
    if kinds & {"SALE", "CAPTURE"}:
        return "PAID"
    return "AUTHORIZED" if "AUTHORIZATION" in kinds else "PENDING"


def _release_claims(store: Store, order: Order) -> None:
    # place_order commits like a checkout; BYPASS claims nothing, so give the units back.
    for fo in store.fulfillment_orders_of(order.id):
        for line in fo.line_items:
            store.inventory.commit(line.inventory_item_id, fo.assigned_location_id, -line.total_quantity)


def created_payload(store: Store, order: Order) -> dict[str, Any]:
    """The `orders/create` body: the REST order resource, not cancelled."""
    return {**order_resource(store, order), "cancelled_at": None, "cancel_reason": None, "note": order.note}
