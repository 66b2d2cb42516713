"""Vendor stock: reported and written quantities per (vendor, store, SKU), and reconciliation times.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "vendor_stock",
        sa.Column("vendor_id", sa.String(64), primary_key=True),
        sa.Column("store", sa.String(255), primary_key=True),
        sa.Column("sku", sa.String(255), primary_key=True),
        sa.Column("reported", sa.Integer, nullable=False),
        sa.Column("reported_at", _TS, nullable=False),
        sa.Column("written", sa.Integer),
        sa.Column("written_at", _TS),
    )
    op.create_table(
        "vendor_stock_reconciliations",
        sa.Column("vendor_id", sa.String(64), primary_key=True),
        sa.Column("last_at", _TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("vendor_stock_reconciliations")
    op.drop_table("vendor_stock")
