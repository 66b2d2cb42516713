"""Inbox, decisions, intents (outbox) and order locks.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("webhook_id", sa.String(255), nullable=False, unique=True),
        sa.Column("shop", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("event_id", sa.String(255)),
        sa.Column("triggered_at", sa.String(64)),
        sa.Column("api_version", sa.String(32)),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("available_at", _TS, nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", _TS),
        sa.Column("order_id", sa.String(255)),
        sa.Column("decision_id", sa.String(36)),
        sa.Column("note", sa.Text),
        sa.Column("finished_at", _TS),
    )
    op.create_index("ix_deliveries_ready", "deliveries", ["state", "available_at"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("shop", sa.String(255), nullable=False),
        sa.Column("order_id", sa.String(255), nullable=False),
        sa.Column("order_name", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("ruleset_version", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("deliveries.id")),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("completed_at", _TS),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.UniqueConstraint("shop", "order_id", "fingerprint", name="uq_decisions_order_state"),
    )
    op.create_index("ix_decisions_order", "decisions", ["shop", "order_id"])
    op.create_table(
        "intents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("fulfillment_order_id", sa.String(255)),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("result", sa.Text),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_intents_fulfillment_order", "intents", ["fulfillment_order_id"])
    op.create_table(
        "order_locks",
        sa.Column("shop", sa.String(255), primary_key=True),
        sa.Column("order_id", sa.String(255), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("lease_until", _TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("order_locks")
    op.drop_index("ix_intents_fulfillment_order", "intents")
    op.drop_table("intents")
    op.drop_index("ix_decisions_order", "decisions")
    op.drop_table("decisions")
    op.drop_index("ix_deliveries_ready", "deliveries")
    op.drop_table("deliveries")
