"""Hand-offs across stores with their lines, and outbound events for the coordination service.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("origin_store", sa.String(255), nullable=False),
        sa.Column("origin_order_id", sa.String(255), nullable=False),
        sa.Column("origin_order_name", sa.String(255), nullable=False),
        sa.Column("origin_fulfillment_order_id", sa.String(255), nullable=False),
        sa.Column("stand_in_location_id", sa.String(255), nullable=False),
        sa.Column("fulfilling_store", sa.String(255), nullable=False),
        sa.Column("fulfilling_location_id", sa.String(255), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("linked_order_id", sa.String(255)),
        sa.Column("linked_order_name", sa.String(255)),
        sa.Column("tracking_company", sa.String(255)),
        sa.Column("tracking_numbers", sa.Text, nullable=False),
        sa.Column("tracking_urls", sa.Text, nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("completed_at", _TS),
        sa.Column("decision_id", sa.String(128), nullable=False),
        sa.UniqueConstraint("decision_id", name="uq_handoffs_intent"),
    )
    op.create_index("ix_handoffs_origin_order", "handoffs", ["origin_store", "origin_order_id"])
    op.create_index("ix_handoffs_linked_order", "handoffs", ["fulfilling_store", "linked_order_id"])
    op.create_index("ix_handoffs_status", "handoffs", ["origin_store", "status", "created_at"])
    op.create_table(
        "handoff_lines",
        sa.Column("handoff_id", sa.String(36), sa.ForeignKey("handoffs.id"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("sku", sa.String(255), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("fulfillment_order_line_id", sa.String(255), nullable=False),
    )
    op.create_table(
        "outbound_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("delivered_at", _TS),
        sa.Column("last_error", sa.Text),
    )
    # The sender's query: undelivered events whose next attempt is due.
    op.create_index("ix_outbound_events_due", "outbound_events", ["delivered_at", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbound_events_due", "outbound_events")
    op.drop_table("outbound_events")
    op.drop_table("handoff_lines")
    op.drop_index("ix_handoffs_status", "handoffs")
    op.drop_index("ix_handoffs_linked_order", "handoffs")
    op.drop_index("ix_handoffs_origin_order", "handoffs")
    op.drop_table("handoffs")
