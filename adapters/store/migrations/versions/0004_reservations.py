"""Reservations: units our decisions sent to a location before Shopify counts them (issue 5, item 2).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("store", sa.String(255), nullable=False),
        sa.Column("location_id", sa.String(255), nullable=False),
        sa.Column("inventory_item_id", sa.String(255), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("decision_id", sa.String(36), nullable=False),
        sa.Column("intent_key", sa.String(128), nullable=False),
        sa.Column("order_id", sa.String(255), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("released_at", _TS),
    )
    # The allocation query: what a store's items still hold (unreleased, or released lately).
    op.create_index("ix_reservations_held", "reservations", ["store", "inventory_item_id", "released_at"])
    op.create_index("ix_reservations_intent", "reservations", ["intent_key"])
    op.create_index("ix_reservations_decision", "reservations", ["decision_id"])


def downgrade() -> None:
    op.drop_index("ix_reservations_decision", "reservations")
    op.drop_index("ix_reservations_intent", "reservations")
    op.drop_index("ix_reservations_held", "reservations")
    op.drop_table("reservations")
