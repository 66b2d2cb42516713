"""Redaction in SQL, on SQLite and PostgreSQL: a customer's data, a whole shop, and nothing more.

Rows are written straight into every table that can hold a shop's data, for two shops, so the
specs see each table the way `delete_shop` and `redact_customer` meet it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.delivery_steps import MalformedDelivery
from adapters.edi.envelope import ControlNumbers, Envelope, Party
from adapters.edi.interchange import read_interchanges
from adapters.edi.purchase_order import PurchaseOrder, PurchaseOrderLine, ShipTo, write_850
from adapters.privacy.redaction import SHOP_TABLES, delete_shop, redact_customer
from adapters.privacy.webhooks import PrivacyWebhooks
from adapters.store.inventory_view import InventoryViewRow
from adapters.store.privacy_requests import PrivacyRequestRow, PrivacyRequests
from adapters.store.shadow_decisions import ShadowDecisionRow
from adapters.store.tables import (
    Base,
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

A, B = "gone.myshopify.com", "stays.myshopify.com"
AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SHOP_COLUMNS = {"shop", "store", "origin_store", "fulfilling_store"}


def x12_850(name: str, street: str, po_number: str) -> str:
    po = PurchaseOrder(
        po_number=po_number,
        order_date=date(2026, 11, 27),
        ship_to=ShipTo(name, street, "New York", "NY", "10013", "US"),
        lines=(PurchaseOrderLine(1, "NW-0005", "V-5", 1),),
    )
    envelope = Envelope(Party("ZZ", "NORTHWIND"), Party("ZZ", "VENDOR"))
    return write_850(po, envelope, ControlNumbers(7, 7, 7), at=AT)


def rows_of(shop: str, tag: str) -> list[Any]:
    """One row in every table for `shop`'s order `tag`, with its customer's personal data."""
    order = f"gid://shopify/Order/{tag}"
    decision, po, handoff = f"decision-{tag}", f"po-{tag}", f"handoff-{tag}"
    other = A if shop == B else B
    paid = {"id": int(tag), "email": f"{tag}@example.com", "shipping_address": {"last_name": f"Doe{tag}"}}
    snapshot = {"order": {"id": order, "shipping_address": {"city": "New York", "zip": "10013"}}}
    ts: dict[str, Any] = {"received_at": AT, "available_at": AT}
    return [
        DeliveryRow(webhook_id=f"w-{tag}", shop=shop, topic="orders/paid", body=json.dumps(paid), **ts),
        DecisionRow(
            id=decision,
            shop=shop,
            order_id=order,
            order_name=f"#{tag}",
            fingerprint=tag,
            ruleset_version="r1",
            outcome="moved",
            state="completed",
            created_at=AT,
            snapshot=json.dumps(snapshot),
            decision="{}",
        ),
        IntentRow(
            decision_id=decision,
            position=0,
            idempotency_key=f"{decision}:0",
            kind="move",
            payload="{}",
            updated_at=AT,
        ),
        ShadowDecisionRow(
            id=f"shadow-{tag}",
            decision_id=decision,
            shop=shop,
            order_id=order,
            order_name=f"#{tag}",
            live_ruleset_version="r1",
            shadow_ruleset_version="r2",
            live_outcome="moved",
            shadow_outcome="moved",
            disagrees=False,
            changes="[]",
            decision="{}",
            created_at=AT,
        ),
        OrderLockRow(shop=shop, order_id=order, owner="w", lease_until=AT),
        LocationOrderRow(
            shop=shop,
            local_date="2026-11-27",
            location_id="L1",
            order_id=order,
            decision_id=decision,
            recorded_at=AT,
        ),
        ReservationRow(
            store=shop,
            location_id="L1",
            inventory_item_id="I1",
            quantity=1,
            decision_id=decision,
            intent_key=f"{decision}:0",
            order_id=order,
            created_at=AT,
        ),
        PurchaseOrderRow(
            id=po,
            store=shop,
            vendor_id="vendor",
            po_number=f"PO{tag}",
            order_id=order,
            order_name=f"#{tag}",
            fulfillment_order_id="FO",
            location_id="L9",
            status="sent",
            interchange_control=int(tag),
            group_control=int(tag),
            transaction_control=int(tag),
            created_at=AT,
        ),
        PurchaseOrderLineRow(
            po_id=po,
            line_number=1,
            fulfillment_order_line_id="FOL",
            sku="NW-0005",
            vendor_item="V-5",
            quantity=1,
            status="pending",
        ),
        EdiDocumentRow(
            vendor_id="vendor",
            direction="out",
            set_code="850",
            interchange_control=int(tag),
            po_id=po,
            at=AT,
            raw=x12_850(f"Jane Doe{tag}", f"{tag} Main St", f"PO{tag}"),
            outcome="accepted",
        ),
        VendorStockRow(vendor_id="vendor", store=shop, sku="NW-0005", reported=3, reported_at=AT),
        InventoryViewRow(
            store=shop,
            location_id="L1",
            inventory_item_id="I1",
            location_name="DC",
            sku="NW-0005",
            available=3,
            read_at=AT,
            source="read",
        ),
        HandOffRow(
            id=handoff,
            origin_store=shop,
            origin_order_id=order,
            origin_order_name=f"#{tag}",
            origin_fulfillment_order_id="FO",
            stand_in_location_id="S",
            fulfilling_store=other,
            fulfilling_location_id="L2",
            mode="linked_order",
            status="open",
            linked_order_id=f"gid://shopify/Order/9{tag}",
            linked_order_name=f"#9{tag}",
            tracking_numbers="[]",
            tracking_urls="[]",
            created_at=AT,
            decision_id=f"{decision}:1",
        ),
        DeliveryRow(  # the other store's webhook about the linked order: it ships to the same person
            webhook_id=f"w-linked-9{tag}",
            shop=other,
            topic="fulfillments/create",
            body=json.dumps({"order_id": int(f"9{tag}"), "destination": {"last_name": f"Linked{tag}"}}),
            **ts,
        ),
        HandOffLineRow(
            handoff_id=handoff, position=1, sku="NW-0005", quantity=1, fulfillment_order_line_id="FOL"
        ),
        OutboundEventRow(
            id=f"event-{tag}",
            type="decision.made",
            payload=json.dumps({"store": shop, "order_id": order}),
            created_at=AT,
            next_attempt_at=AT,
        ),
        PrivacyRequestRow(
            id=f"request-{tag}",
            shop=shop,
            kind="customers/data_request",
            key=tag,
            order_ids="[]",
            received_at=AT,
            summary="{}",
        ),
    ]


async def seed(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        for shop, tag in ((A, "101"), (B, "202")):
            for row in rows_of(shop, tag):
                session.add(row)
                await session.flush()  # parents before children, in the order listed


async def snapshot_of(
    sessions: async_sessionmaker[AsyncSession], shop: str
) -> dict[str, list[dict[str, Any]]]:
    """Every row naming `shop` (or belonging to a row that does), by table."""
    found: dict[str, list[dict[str, Any]]] = {}
    async with sessions() as session:
        for mapper in Base.registry.mappers:
            cls = mapper.class_
            rows = (await session.scalars(select(cls))).all()
            found[cls.__tablename__] = [
                {c.key: getattr(row, c.key) for c in inspect(cls).column_attrs}
                for row in rows
                if shop in json.dumps({c.key: str(getattr(row, c.key)) for c in inspect(cls).column_attrs})
                or any(
                    tag in str(getattr(row, c.key)) for c in inspect(cls).column_attrs for tag in _tags(shop)
                )
            ]
    return found


def _tags(shop: str) -> tuple[str, ...]:
    return ("-101", "PO101") if shop == A else ("-202", "PO202")


def test_every_table_naming_a_shop_is_covered_by_the_shop_deletion() -> None:
    named = {
        table.name: sorted(column.name for column in table.columns if column.name in SHOP_COLUMNS)
        for table in Base.metadata.tables.values()
    }
    named = {table: columns for table, columns in named.items() if columns}
    assert {
        table: columns[-1] if table != "handoffs" else "origin_store" for table, columns in named.items()
    } == SHOP_TABLES


async def test_a_shop_deletion_leaves_nothing_of_it_and_the_other_shop_as_it_was(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed(sessions)
    other_before = await snapshot_of(sessions, B)
    async with sessions.begin() as session:
        deleted = await delete_shop(session, A)

    assert deleted["decisions"] == deleted["purchase_orders"] == deleted["edi_documents"] == 1
    assert deleted["outbound_events"] == 1 and deleted["handoffs_fulfilled_here"] == 1
    left = {table: rows for table, rows in (await snapshot_of(sessions, A)).items() if rows}
    # Only B's hand-off, whose lines A fulfilled, still names A; the linked order made in A is forgotten.
    [handoff] = left.pop("handoffs")
    assert handoff["origin_store"] == B and handoff["fulfilling_store"] == A
    assert (handoff["linked_order_id"], handoff["linked_order_name"]) == (None, None)
    assert left == {}
    # B is as it was, but for A's own hand-off (B fulfilled it: it named B) and the forgotten linked order.
    other_before["handoffs"] = [row for row in other_before["handoffs"] if row["origin_store"] == B]
    after = await snapshot_of(sessions, B)
    for rows in (other_before["handoffs"], after["handoffs"]):
        for row in rows:
            row.update(linked_order_id=None, linked_order_name=None)
    assert after == other_before


async def test_a_customer_redaction_rewrites_payloads_snapshots_and_ship_to_of_their_orders_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed(sessions)
    async with sessions.begin() as session:
        changed = await redact_customer(session, A, ["gid://shopify/Order/101"], None)
    assert changed == {"deliveries": 1, "decisions": 1, "edi_documents": 1, "handoff_deliveries": 1}

    async with sessions() as session:
        documents = {doc.po_id: doc.raw for doc in (await session.scalars(select(EdiDocumentRow))).all()}
        paid = select(DeliveryRow).where(DeliveryRow.topic == "orders/paid")
        bodies = {d.shop: d.body for d in (await session.scalars(paid)).all()}
        snapshots = {d.shop: d.snapshot for d in (await session.scalars(select(DecisionRow))).all()}
    assert "Jane Doe101" not in documents["po-101"] and "101 Main St" not in documents["po-101"]
    assert "Jane Doe202" in documents["po-202"]
    [interchange] = read_interchanges(documents["po-101"])  # still a valid 850, segment count and all
    [group] = interchange.groups
    [transaction] = group.sets
    n4 = next(s for s in transaction.segments if s.id == "N4")
    assert (n4.get(1), n4.get(2), n4.get(3), n4.get(4)) == ("REDACTED", "NY", "REDACTED", "US")
    assert "Doe101" not in bodies[A] and "101@example.com" not in bodies[A] and '"id": 101' in bodies[A]
    assert "Doe202" in bodies[B]
    async with sessions() as session:
        linked = {d.webhook_id: d.body for d in (await session.scalars(select(DeliveryRow))).all()}
    assert "Linked101" not in linked["w-linked-9101"] and "Linked202" in linked["w-linked-9202"]
    assert json.loads(snapshots[A])["order"]["shipping_address"] == {"city": None, "zip": None}
    assert "10013" in snapshots[B]


async def test_a_compliance_payload_without_what_its_topic_promises_is_a_clear_failure(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    handler = PrivacyWebhooks(sessions)
    with pytest.raises(MalformedDelivery, match=r"data_request\.id is missing"):
        await handler.on_webhook(
            A, "customers/data_request", {"customer": {"id": 1}, "orders_requested": [1]}
        )
    with pytest.raises(MalformedDelivery, match="expected a list of order ids"):
        await handler.on_webhook(A, "customers/redact", {"customer": {"id": 1}, "orders_to_redact": 101})
    assert await PrivacyRequests(sessions).listed() == []  # nothing half-recorded
