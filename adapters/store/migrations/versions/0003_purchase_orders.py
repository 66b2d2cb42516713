"""Drop-ship vendors: purchase orders and their lines, X12 documents in and out, EDI counters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("store", sa.String(255), nullable=False),
        sa.Column("vendor_id", sa.String(64), nullable=False),
        sa.Column("po_number", sa.String(22), nullable=False),
        sa.Column("order_id", sa.String(255), nullable=False),
        sa.Column("order_name", sa.String(255), nullable=False),
        sa.Column("fulfillment_order_id", sa.String(255), nullable=False),
        sa.Column("vendor_fulfillment_order_id", sa.String(255)),
        sa.Column("location_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("interchange_control", sa.Integer, nullable=False),
        sa.Column("group_control", sa.Integer, nullable=False),
        sa.Column("transaction_control", sa.Integer, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("sent_at", _TS),
        sa.Column("ack_due_at", _TS),
        sa.Column("acknowledged_at", _TS),
        sa.Column("answered_at", _TS),
        sa.Column("shipped_at", _TS),
        sa.Column("closed_at", _TS),
        sa.Column("detail", sa.Text),
        sa.Column("decision_id", sa.String(36)),
        sa.UniqueConstraint("vendor_id", "po_number", name="uq_purchase_orders_number"),
        # One PO per (decision, vendor, fulfillment order): a retried decision finds its PO again.
        sa.UniqueConstraint(
            "decision_id", "vendor_id", "fulfillment_order_id", name="uq_purchase_orders_decision"
        ),
    )
    op.create_index("ix_purchase_orders_order", "purchase_orders", ["store", "order_id"])
    # The sweeper's query: open POs whose acceptance window has closed.
    op.create_index("ix_purchase_orders_due", "purchase_orders", ["status", "ack_due_at"])
    op.create_table(
        "purchase_order_lines",
        sa.Column("po_id", sa.String(36), sa.ForeignKey("purchase_orders.id"), primary_key=True),
        sa.Column("line_number", sa.Integer, primary_key=True),
        sa.Column("fulfillment_order_line_id", sa.String(255), nullable=False),
        sa.Column("sku", sa.String(255), nullable=False),
        sa.Column("vendor_item", sa.String(255), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("accepted_quantity", sa.Integer),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("code", sa.String(2)),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "edi_documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("vendor_id", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("set_code", sa.String(3)),
        sa.Column("interchange_control", sa.Integer),
        sa.Column("po_id", sa.String(36), sa.ForeignKey("purchase_orders.id")),
        sa.Column("at", _TS, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text),
        # A partner's resent interchange is recognised by its control number (NULLs never collide).
        sa.UniqueConstraint(
            "vendor_id", "direction", "interchange_control", name="uq_edi_documents_interchange"
        ),
    )
    op.create_index("ix_edi_documents_po", "edi_documents", ["po_id"])
    op.create_table(
        "edi_counters",
        sa.Column("vendor_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(16), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("edi_counters")
    op.drop_index("ix_edi_documents_po", "edi_documents")
    op.drop_table("edi_documents")
    op.drop_table("purchase_order_lines")
    op.drop_index("ix_purchase_orders_due", "purchase_orders")
    op.drop_index("ix_purchase_orders_order", "purchase_orders")
    op.drop_table("purchase_orders")
