"""Privacy requests: Shopify's compliance webhooks (data requests, customer and shop redactions).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("shop", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(255)),
        sa.Column("order_ids", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("shop", "kind", "key", name="uq_privacy_requests_key"),
    )
    op.create_index("ix_privacy_requests_received", "privacy_requests", ["shop", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_privacy_requests_received", table_name="privacy_requests")
    op.drop_table("privacy_requests")
