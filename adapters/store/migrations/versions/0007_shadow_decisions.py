"""Shadow decisions: the shadow rule set's decision for each live decision, never executed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shadow_decisions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("shop", sa.String(255), nullable=False),
        sa.Column("order_id", sa.String(255), nullable=False),
        sa.Column("order_name", sa.String(255), nullable=False),
        sa.Column("live_ruleset_version", sa.String(64), nullable=False),
        sa.Column("shadow_ruleset_version", sa.String(64), nullable=False),
        sa.Column("live_outcome", sa.String(16), nullable=False),
        sa.Column("shadow_outcome", sa.String(16), nullable=False),
        sa.Column("disagrees", sa.Boolean, nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("decision_id", "shadow_ruleset_version", name="uq_shadow_decisions_live"),
    )
    op.create_index("ix_shadow_decisions_created", "shadow_decisions", ["disagrees", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_shadow_decisions_created", table_name="shadow_decisions")
    op.drop_table("shadow_decisions")
