"""SQL tables (SQLAlchemy 2 declarative). The schema itself is owned by Alembic migrations.

- `deliveries`: the inbox, one row per webhook delivery, deduplicated on the webhook id.
- `decisions`: one row per decision, with its input snapshot, rule-set version and trace.
- `intents`: the outbox of a decision, one row per intended write, with its idempotency key.
- `order_locks`: a lease per order, so that one order is decided by one worker at a time.
- `location_orders`: which orders our decisions sent to each location on each shop-local day,
  one row per (shop, day, location, order), for daily capacities (`adapters.store.location_load`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class DeliveryRow(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webhook_id: Mapped[str] = mapped_column(String(255), unique=True)
    shop: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    event_id: Mapped[str | None] = mapped_column(String(255))
    triggered_at: Mapped[str | None] = mapped_column(String(64))
    api_version: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body: Mapped[str] = mapped_column(Text)
    # pending → done | ignored | echo | failed
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    order_id: Mapped[str | None] = mapped_column(String(255))
    decision_id: Mapped[str | None] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_deliveries_ready", "state", "available_at"),)


class DecisionRow(Base):
    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shop: Mapped[str] = mapped_column(String(255))
    order_id: Mapped[str] = mapped_column(String(255))
    order_name: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    ruleset_version: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    # executing → completed | failed
    state: Mapped[str] = mapped_column(String(16))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    snapshot: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("shop", "order_id", "fingerprint", name="uq_decisions_order_state"),
        Index("ix_decisions_order", "shop", "order_id"),
    )


class IntentRow(Base):
    __tablename__ = "intents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"))
    position: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    fulfillment_order_id: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)
    # pending → in_flight → applied | already_done | superseded | failed
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_intents_fulfillment_order", "fulfillment_order_id"),)


class OrderLockRow(Base):
    __tablename__ = "order_locks"

    shop: Mapped[str] = mapped_column(String(255), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LocationOrderRow(Base):
    __tablename__ = "location_orders"

    shop: Mapped[str] = mapped_column(String(255), primary_key=True)
    local_date: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, shop-local
    location_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    decision_id: Mapped[str] = mapped_column(String(36))  # the first decision that sent it there
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# Drop-ship vendors (issue 4): purchase orders, their lines, every X12 document in and out, and the
# per-vendor counters behind control and PO numbers (`adapters.store.purchase_orders`).


class PurchaseOrderRow(Base):
    __tablename__ = "purchase_orders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store: Mapped[str] = mapped_column(String(255))
    vendor_id: Mapped[str] = mapped_column(String(64))
    po_number: Mapped[str] = mapped_column(String(22))  # X12 BEG03 allows 22 characters
    order_id: Mapped[str] = mapped_column(String(255))
    order_name: Mapped[str] = mapped_column(String(255))
    fulfillment_order_id: Mapped[str] = mapped_column(String(255))  # where the lines came from
    vendor_fulfillment_order_id: Mapped[str | None] = mapped_column(String(255))  # at the vendor, moved
    location_id: Mapped[str] = mapped_column(String(255))
    # draft → sent → acknowledged → accepted | partially_accepted | rejected | timed_out → shipped;
    # cancelled from any open state (see adapters.store.purchase_orders)
    status: Mapped[str] = mapped_column(String(24))
    interchange_control: Mapped[int] = mapped_column(Integer)
    group_control: Mapped[int] = mapped_column(Integer)
    transaction_control: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ack_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detail: Mapped[str | None] = mapped_column(Text)
    decision_id: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (
        UniqueConstraint("vendor_id", "po_number", name="uq_purchase_orders_number"),
        UniqueConstraint(
            "decision_id", "vendor_id", "fulfillment_order_id", name="uq_purchase_orders_decision"
        ),
        Index("ix_purchase_orders_order", "store", "order_id"),
        Index("ix_purchase_orders_due", "status", "ack_due_at"),
    )


class PurchaseOrderLineRow(Base):
    __tablename__ = "purchase_order_lines"

    po_id: Mapped[str] = mapped_column(ForeignKey("purchase_orders.id"), primary_key=True)
    line_number: Mapped[int] = mapped_column(Integer, primary_key=True)  # PO101, from 1
    fulfillment_order_line_id: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str] = mapped_column(String(255))
    vendor_item: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    accepted_quantity: Mapped[int | None] = mapped_column(Integer)
    # pending → accepted | refused; accepted → shipped
    status: Mapped[str] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(2))  # ACK01
    reason: Mapped[str | None] = mapped_column(Text)


class EdiDocumentRow(Base):
    __tablename__ = "edi_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vendor_id: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    set_code: Mapped[str | None] = mapped_column(String(3))  # None when unreadable
    # ISA13; None when unreadable, and for a duplicate (the first arrival holds the number)
    interchange_control: Mapped[int | None] = mapped_column(Integer)
    po_id: Mapped[str | None] = mapped_column(ForeignKey("purchase_orders.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    raw: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # accepted | rejected | duplicate | unreadable
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint(
            "vendor_id", "direction", "interchange_control", name="uq_edi_documents_interchange"
        ),
        Index("ix_edi_documents_po", "po_id"),
    )


class EdiCounterRow(Base):
    __tablename__ = "edi_counters"

    vendor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(16), primary_key=True)  # interchange|group|transaction|po_number
    value: Mapped[int] = mapped_column(Integer)


# Reservations (issue 5, item 2): units our decisions sent to a location that Shopify may not count
# yet (`adapters.store.reservations`).


class ReservationRow(Base):
    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(String(255))
    location_id: Mapped[str] = mapped_column(String(255))
    inventory_item_id: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    decision_id: Mapped[str] = mapped_column(String(36))
    intent_key: Mapped[str] = mapped_column(String(128))  # the intent's idempotency key
    order_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_reservations_held", "store", "inventory_item_id", "released_at"),
        Index("ix_reservations_intent", "intent_key"),
        Index("ix_reservations_decision", "decision_id"),
    )


# Vendor stock (issue 4, item 7): what each vendor last reported per store SKU, what we last wrote to
# the vendor's Shopify location, and when each vendor was last reconciled (`adapters.store.vendor_stock`).


class VendorStockRow(Base):
    __tablename__ = "vendor_stock"

    vendor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    store: Mapped[str] = mapped_column(String(255), primary_key=True)
    sku: Mapped[str] = mapped_column(String(255), primary_key=True)  # the store's SKU
    reported: Mapped[int] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    written: Mapped[int | None] = mapped_column(Integer)  # None until Shopify took a figure
    written_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VendorStockReconciliationRow(Base):
    __tablename__ = "vendor_stock_reconciliations"

    vendor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# Hand-offs (issue 5, items 3-4): lines of an order in one store fulfilled by a location of another
# store, waiting at a stand-in location (`adapters.store.handoffs`); and the signed events told to the
# coordination service, kept until it acknowledges them (`adapters.events`).


class HandOffRow(Base):
    __tablename__ = "handoffs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    origin_store: Mapped[str] = mapped_column(String(255))
    origin_order_id: Mapped[str] = mapped_column(String(255))
    origin_order_name: Mapped[str] = mapped_column(String(255))
    origin_fulfillment_order_id: Mapped[str] = mapped_column(String(255))  # the FO at the stand-in
    stand_in_location_id: Mapped[str] = mapped_column(String(255))
    fulfilling_store: Mapped[str] = mapped_column(String(255))
    fulfilling_location_id: Mapped[str] = mapped_column(String(255))
    mode: Mapped[str] = mapped_column(String(16))  # linked_order | coordinator
    # open → completed | failed | cancelled
    status: Mapped[str] = mapped_column(String(16))
    linked_order_id: Mapped[str | None] = mapped_column(String(255))
    linked_order_name: Mapped[str | None] = mapped_column(String(255))
    tracking_company: Mapped[str | None] = mapped_column(String(255))
    tracking_numbers: Mapped[str] = mapped_column(Text)  # JSON list
    tracking_urls: Mapped[str] = mapped_column(Text)  # JSON list
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # when it closed
    decision_id: Mapped[str] = mapped_column(String(128))  # the intent's key: a retry finds the hand-off

    __table_args__ = (
        UniqueConstraint("decision_id", name="uq_handoffs_intent"),
        Index("ix_handoffs_origin_order", "origin_store", "origin_order_id"),
        Index("ix_handoffs_linked_order", "fulfilling_store", "linked_order_id"),
        Index("ix_handoffs_status", "origin_store", "status", "created_at"),
    )


class HandOffLineRow(Base):
    __tablename__ = "handoff_lines"

    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # from 1, as given
    sku: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    fulfillment_order_line_id: Mapped[str] = mapped_column(String(255))


class OutboundEventRow(Base):
    __tablename__ = "outbound_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # sent as X-Routing-Event-Id
    type: Mapped[str] = mapped_column(String(32))  # decision.made | handoff.created | handoff.…
    payload: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbound_events_due", "delivered_at", "next_attempt_at"),)
