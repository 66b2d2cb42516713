"""Redacting one customer's personal data, and deleting everything of one shop, in SQL.

`redact_customer` rewrites in place what holds the customer's data for the listed orders:
stored webhook payloads (the inbox, dead letters included; and the other store's webhooks about
a hand-off's linked order, which ships to the same address), decision snapshots (the decision
and its trace stay: traces describe rules, not the order's values), and the raw EDI documents
of those orders' purchase orders (the ship-to loop). Nothing else we keep holds personal data:
intents, reservations, location loads, hand-offs, purchase orders and their lines, shadow
decisions and outbound events carry ids, SKUs, quantities, locations and order names only.

`delete_shop` removes every row of a shop from every table that names one (see `SHOP_TABLES`).
Two kinds of row stay: the `shop/redact` webhooks themselves and the `privacy_requests` row of
the deletion (shop domain and counts only) — the proof it was done. Hand-offs in which this shop
fulfilled another store's lines are that store's records: they stay, with the linked order we
created here forgotten.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.privacy.scrub import scrub_payload, scrub_snapshot, scrub_x12
from adapters.store.inventory_view import InventoryViewRow
from adapters.store.privacy_requests import CUSTOMER_REDACT, DATA_REQUEST, SHOP_REDACT, PrivacyRequestRow
from adapters.store.shadow_decisions import ShadowDecisionRow
from adapters.store.tables import (
    DecisionRow,
    DeliveryRow,
    EdiDocumentRow,
    HandOffLineRow,
    HandOffRow,
    IntentRow,
    LocationOrderRow,
    OrderLockRow,
    OutboundEventRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
    ReservationRow,
    VendorStockRow,
)

ORDER_GID = "gid://shopify/Order/"
CUSTOMER_GID = "gid://shopify/Customer/"
# Every table with a column naming a shop, and that column (a test checks none is missed).
SHOP_TABLES: dict[str, str] = {
    "deliveries": "shop",
    "decisions": "shop",
    "order_locks": "shop",
    "location_orders": "shop",
    "purchase_orders": "store",
    "reservations": "store",
    "vendor_stock": "store",
    "handoffs": "origin_store",
    "inventory_view": "store",
    "shadow_decisions": "shop",
    "privacy_requests": "shop",
}


def order_gid(value: object) -> str | None:
    """`299938`, `"299938"` or its gid → `gid://shopify/Order/299938`; None for anything else."""
    if isinstance(value, str) and value.startswith(ORDER_GID) and value[len(ORDER_GID) :].isdigit():
        return value
    if isinstance(value, int | str) and not isinstance(value, bool) and str(value).isdigit():
        return f"{ORDER_GID}{value}"
    return None


def customer_gid(value: object) -> str | None:
    if isinstance(value, str) and value.startswith(CUSTOMER_GID):
        return value
    if isinstance(value, int | str) and not isinstance(value, bool) and str(value).isdigit():
        return f"{CUSTOMER_GID}{value}"
    return None


def _numeric(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def names_customer(topic: str, body: Any, orders: Collection[str], customer: str | None) -> bool:
    """Whether a payload is about one of `orders` (gids) or the customer `customer` (a gid)."""
    if not isinstance(body, dict):
        return False
    named = {body.get("order_id"), body.get("admin_graphql_api_id")}
    if topic.startswith("orders/"):
        named.add(body.get("id"))
    for listed in ("orders_to_redact", "orders_requested"):
        if isinstance(body.get(listed), list):
            named.update(body[listed])
    if any(order_gid(value) in orders for value in named if value is not None):
        return True
    person = body.get("customer")
    return customer is not None and isinstance(person, dict) and customer_gid(person.get("id")) == customer


async def related_deliveries(
    session: AsyncSession, shop: str, orders: Collection[str], customer: str | None
) -> list[DeliveryRow]:
    """The shop's stored webhooks about these orders or this customer. A text match narrows the
    rows read; the parsed payload decides."""
    needles = [_numeric(gid) for gid in orders] + ([_numeric(customer)] if customer else [])
    if not needles:
        return []
    matches: list[ColumnElement[bool]] = [DeliveryRow.body.contains(needle) for needle in needles]
    query = select(DeliveryRow).where(
        DeliveryRow.shop == shop, or_(DeliveryRow.order_id.in_(list(orders)), *matches)
    )
    related = []
    for row in (await session.scalars(query)).all():
        try:
            body = json.loads(row.body)
        except json.JSONDecodeError:
            continue
        if row.order_id in orders or names_customer(row.topic, body, orders, customer):
            related.append(row)
    return related


async def redact_customer(
    session: AsyncSession, shop: str, orders: Collection[str], customer: str | None
) -> dict[str, int]:
    """Redact the customer's data for `orders` in `session`; how many rows of each kind changed."""
    changed = {"deliveries": 0, "decisions": 0, "edi_documents": 0, "handoff_deliveries": 0}
    changed["deliveries"] = _scrub(await related_deliveries(session, shop, orders, customer))
    if orders:
        # A hand-off's linked order in the other store carries the same address: its webhooks there too.
        linked = select(HandOffRow.fulfilling_store, HandOffRow.linked_order_id).where(
            HandOffRow.origin_store == shop,
            HandOffRow.origin_order_id.in_(list(orders)),
            HandOffRow.linked_order_id.is_not(None),
        )
        for store, linked_order in (await session.execute(linked)).all():
            there = await related_deliveries(session, store, [linked_order] if linked_order else [], None)
            changed["handoff_deliveries"] += _scrub(there)
        decisions = select(DecisionRow).where(
            DecisionRow.shop == shop, DecisionRow.order_id.in_(list(orders))
        )
        for decision in (await session.scalars(decisions)).all():
            snapshot = json.dumps(scrub_snapshot(json.loads(decision.snapshot)))
            if snapshot != decision.snapshot:
                decision.snapshot = snapshot
                changed["decisions"] += 1
        pos = select(PurchaseOrderRow.id).where(
            PurchaseOrderRow.store == shop, PurchaseOrderRow.order_id.in_(list(orders))
        )
        documents = select(EdiDocumentRow).where(EdiDocumentRow.po_id.in_(pos))
        for document in (await session.scalars(documents)).all():
            raw = scrub_x12(document.raw)
            if raw != document.raw:
                document.raw = raw
                changed["edi_documents"] += 1
    return changed


def _scrub(deliveries: list[DeliveryRow]) -> int:
    """Scrub the payloads in place; how many changed."""
    count = 0
    for delivery in deliveries:
        scrubbed = json.dumps(scrub_payload(json.loads(delivery.body)))
        if scrubbed != delivery.body:
            delivery.body = scrubbed
            count += 1
    return count


async def delete_shop(session: AsyncSession, shop: str) -> dict[str, int]:
    """Delete every row of `shop` in `session` (children before parents); how many per table."""
    decisions = select(DecisionRow.id).where(DecisionRow.shop == shop)
    pos = select(PurchaseOrderRow.id).where(PurchaseOrderRow.store == shop)
    handoffs = select(HandOffRow.id).where(HandOffRow.origin_store == shop)
    steps: list[tuple[str, Any]] = [
        ("intents", delete(IntentRow).where(IntentRow.decision_id.in_(decisions))),
        (
            "shadow_decisions",
            delete(ShadowDecisionRow).where(
                or_(ShadowDecisionRow.shop == shop, ShadowDecisionRow.decision_id.in_(decisions))
            ),
        ),
        ("decisions", delete(DecisionRow).where(DecisionRow.shop == shop)),
        ("reservations", delete(ReservationRow).where(ReservationRow.store == shop)),
        ("location_orders", delete(LocationOrderRow).where(LocationOrderRow.shop == shop)),
        ("order_locks", delete(OrderLockRow).where(OrderLockRow.shop == shop)),
        ("purchase_order_lines", delete(PurchaseOrderLineRow).where(PurchaseOrderLineRow.po_id.in_(pos))),
        ("edi_documents", delete(EdiDocumentRow).where(EdiDocumentRow.po_id.in_(pos))),
        ("purchase_orders", delete(PurchaseOrderRow).where(PurchaseOrderRow.store == shop)),
        ("vendor_stock", delete(VendorStockRow).where(VendorStockRow.store == shop)),
        ("inventory_view", delete(InventoryViewRow).where(InventoryViewRow.store == shop)),
        ("handoff_lines", delete(HandOffLineRow).where(HandOffLineRow.handoff_id.in_(handoffs))),
        ("handoffs", delete(HandOffRow).where(HandOffRow.origin_store == shop)),
        (
            "deliveries",
            delete(DeliveryRow).where(DeliveryRow.shop == shop, DeliveryRow.topic != SHOP_REDACT),
        ),
        (
            "privacy_requests",
            delete(PrivacyRequestRow).where(
                PrivacyRequestRow.shop == shop, PrivacyRequestRow.kind.in_([DATA_REQUEST, CUSTOMER_REDACT])
            ),
        ),
    ]
    deleted: dict[str, int] = {}
    for table, statement in steps:
        result = await session.execute(statement)
        deleted[table] = int(result.rowcount)  # type: ignore[attr-defined]
    forgotten = await session.execute(
        update(HandOffRow)
        .where(HandOffRow.fulfilling_store == shop, HandOffRow.linked_order_id.is_not(None))
        .values(linked_order_id=None, linked_order_name=None)
    )
    deleted["handoffs_fulfilled_here"] = int(forgotten.rowcount)  # type: ignore[attr-defined]
    deleted["outbound_events"] = await _delete_events(session, shop)
    return {table: count for table, count in deleted.items() if count}


async def _delete_events(session: AsyncSession, shop: str) -> int:
    """Outbound events about the shop's decisions and hand-offs (their payload names it)."""
    candidates = select(OutboundEventRow).where(OutboundEventRow.payload.contains(json.dumps(shop)))
    count = 0
    for event in (await session.scalars(candidates)).all():
        if _event_store(json.loads(event.payload)) == shop:
            await session.delete(event)
            count += 1
    return count


def _event_store(payload: Mapping[str, Any]) -> object:
    handoff = payload.get("handoff")
    if isinstance(handoff, dict) and isinstance(handoff.get("origin"), dict):
        return handoff["origin"].get("store")
    return payload.get("store")
