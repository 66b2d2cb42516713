"""The inventory view: `available` per (store, location, inventory item) with SKU, age and source.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inventory_view",
        sa.Column("store", sa.String(255), primary_key=True),
        sa.Column("location_id", sa.String(255), primary_key=True),
        sa.Column("inventory_item_id", sa.String(255), primary_key=True),
        sa.Column("location_name", sa.String(255), nullable=False),
        sa.Column("sku", sa.String(255), nullable=False),
        sa.Column("available", sa.Integer, nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
    )
    op.create_index("ix_inventory_view_sku", "inventory_view", ["store", "sku"])


def downgrade() -> None:
    op.drop_index("ix_inventory_view_sku", table_name="inventory_view")
    op.drop_table("inventory_view")
