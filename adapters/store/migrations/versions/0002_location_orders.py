"""Orders sent to each location per shop-local day (daily location capacity).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The primary key (shop, day, location, order) counts an order once per location and day, and
    # serves the one query made of it: the counts per location of one shop and day.
    op.create_table(
        "location_orders",
        sa.Column("shop", sa.String(255), primary_key=True),
        sa.Column("local_date", sa.String(10), primary_key=True),
        sa.Column("location_id", sa.String(255), primary_key=True),
        sa.Column("order_id", sa.String(255), primary_key=True),
        sa.Column("decision_id", sa.String(36), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("location_orders")
