"""Customer notifications queued in the database, and return visits (回访).

Revision ID: 0007
Revises: 0006 (the field API)
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add `notifications` and `return_visits`."""
    op.create_table(
        "notifications",
        sa.Column("id", ID, primary_key=True),
        sa.Column("ticket_id", ID, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", TS, nullable=False),
        sa.Column("lease_until", TS),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("handed_over", sa.Boolean(), nullable=False),
        sa.Column("sent_at", TS),
        sa.Column("error", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_notifications_ticket_id", "notifications", ["ticket_id"])
    op.create_index("ix_notifications_status_next", "notifications", ["status", "next_at"])
    op.create_table(
        "return_visits",
        sa.Column("id", ID, primary_key=True),
        sa.Column("ticket_id", ID, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_at", TS),
        sa.Column("last_note", sa.String(200), nullable=False),
        sa.Column("done_at", TS),
        sa.Column("done_by", sa.String(64)),
        sa.Column("result", sa.JSON()),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_return_visits_ticket_id", "return_visits", ["ticket_id"])
    op.create_index("ix_return_visits_status_due", "return_visits", ["status", "due_at"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("return_visits")
    op.drop_table("notifications")
