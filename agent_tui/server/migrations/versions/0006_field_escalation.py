"""The field side of the life cycle and escalation: the team holding an order, due deadlines, alerts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add `tickets.field_team`, `order_deadlines` (what the watcher claims) and `order_alerts`."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("field_team", sa.String(64)))
    op.create_table(
        "order_deadlines",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", BIG_ID, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("segment", sa.String(20), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.UniqueConstraint("ticket_id", "segment", "level", name="uq_order_deadlines"),
    )
    op.create_index("ix_order_deadlines_due_at", "order_deadlines", ["due_at"])
    op.create_table(
        "order_alerts",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", BIG_ID, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("segment", sa.String(20), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("filed_by", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.UniqueConstraint("ticket_id", "segment", "level", "due_at", name="uq_order_alerts"),
    )
    op.create_index("ix_order_alerts_ticket_id", "order_alerts", ["ticket_id"])
    op.create_index("ix_order_alerts_raised_at", "order_alerts", ["raised_at"])


def downgrade() -> None:
    """Drop the alerts, the deadlines and the team holding an order."""
    op.drop_table("order_alerts")
    op.drop_table("order_deadlines")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("field_team")
