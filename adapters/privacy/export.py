"""What we hold about a customer for a data request, as one JSON document the merchant hands on.

Gathered when asked (not when the request arrived), so it is what the database holds now: a
redaction since then has already removed its part. For each order of the request, and for
payloads that name the customer: the webhooks we stored, the decisions (with the input they
saw: the destination and the customer's tags), the purchase orders sent to drop-ship vendors
(lines, status and the raw X12 documents, whose ship-to loop holds the address) and the hand-offs.
The compliance webhooks themselves are left out: they are Shopify's request, not data about
the customer.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.privacy.redaction import related_deliveries
from adapters.privacy.webhooks import COMPLIANCE_TOPICS
from adapters.store.clock import as_utc
from adapters.store.privacy_requests import PrivacyRequest
from adapters.store.tables import (
    DecisionRow,
    EdiDocumentRow,
    HandOffLineRow,
    HandOffRow,
    PurchaseOrderLineRow,
    PurchaseOrderRow,
)

FORMAT = "routing-engine privacy export 1"


async def gather(session: AsyncSession, request: PrivacyRequest, *, now: datetime) -> dict[str, Any]:
    """The export of one data request, read in `session`."""
    shop, orders = request.shop, list(request.order_ids)
    deliveries = await related_deliveries(session, shop, orders, request.customer_id)
    webhooks = [
        {
            "topic": row.topic,
            "webhook_id": row.webhook_id,
            "received_at": _stamp(row.received_at),
            "payload": json.loads(row.body),
        }
        for row in sorted(deliveries, key=lambda row: row.id)
        if row.topic not in COMPLIANCE_TOPICS
    ]
    decisions = (
        await session.scalars(
            select(DecisionRow)
            .where(DecisionRow.shop == shop, DecisionRow.order_id.in_(orders))
            .order_by(DecisionRow.created_at)
        )
    ).all()
    pos = (
        await session.scalars(
            select(PurchaseOrderRow)
            .where(PurchaseOrderRow.store == shop, PurchaseOrderRow.order_id.in_(orders))
            .order_by(PurchaseOrderRow.created_at)
        )
    ).all()
    handoffs = (
        await session.scalars(
            select(HandOffRow)
            .where(HandOffRow.origin_store == shop, HandOffRow.origin_order_id.in_(orders))
            .order_by(HandOffRow.created_at)
        )
    ).all()
    return {
        "format": FORMAT,
        "generated_at": _stamp(now),
        "shop": shop,
        "request": {
            "id": request.key,
            "customer_id": request.customer_id,
            "orders": orders,
            "received_at": _stamp(request.received_at),
        },
        "webhooks": webhooks,
        "decisions": [_decision(row) for row in decisions],
        "purchase_orders": [await _purchase_order(session, row) for row in pos],
        "handoffs": [await _handoff(session, row) for row in handoffs],
    }


def _decision(row: DecisionRow) -> dict[str, Any]:
    snapshot = json.loads(row.snapshot)
    order = snapshot.get("order") or {}
    return {
        "decision_id": row.id,
        "order_id": row.order_id,
        "order_name": row.order_name,
        "decided_at": _stamp(row.created_at),
        "outcome": row.outcome,
        "ruleset": row.ruleset_version,
        "input": {
            "shipping_address": order.get("shipping_address"),
            "customer_tags": order.get("customer_tags", []),
            "destinations": [fo.get("destination") for fo in snapshot.get("fulfillment_orders") or ()],
        },
        "decision": json.loads(row.decision),
    }


async def _purchase_order(session: AsyncSession, row: PurchaseOrderRow) -> dict[str, Any]:
    lines = await session.scalars(
        select(PurchaseOrderLineRow).where(PurchaseOrderLineRow.po_id == row.id).order_by("line_number")
    )
    documents = await session.scalars(
        select(EdiDocumentRow).where(EdiDocumentRow.po_id == row.id).order_by(EdiDocumentRow.id)
    )
    return {
        "po_number": row.po_number,
        "vendor_id": row.vendor_id,
        "order_id": row.order_id,
        "status": row.status,
        "created_at": _stamp(row.created_at),
        "lines": [{"sku": line.sku, "quantity": line.quantity, "status": line.status} for line in lines],
        "documents": [
            {"direction": doc.direction, "set": doc.set_code, "at": _stamp(doc.at), "raw": doc.raw}
            for doc in documents
        ],
    }


async def _handoff(session: AsyncSession, row: HandOffRow) -> dict[str, Any]:
    lines = await session.scalars(
        select(HandOffLineRow).where(HandOffLineRow.handoff_id == row.id).order_by(HandOffLineRow.position)
    )
    return {
        "id": row.id,
        "order_id": row.origin_order_id,
        "fulfilling_store": row.fulfilling_store,
        "status": row.status,
        "tracking_numbers": json.loads(row.tracking_numbers),
        "created_at": _stamp(row.created_at),
        "lines": [{"sku": line.sku, "quantity": line.quantity} for line in lines],
    }


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()
