"""Outbound campaigns: campaigns, their contacts, recorded calls and the do-not-call list.

Revision ID: 0011
Revises: 0010 (outbound callbacks)
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add `campaigns`, `campaign_contacts`, `campaign_calls` and `do_not_call`."""
    op.create_table(
        "campaigns",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("screen", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("retry_outcomes", sa.JSON(), nullable=False),
        sa.Column("retry_after_min", sa.Integer(), nullable=False),
        sa.Column("max_retries", sa.Integer(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("agents", sa.JSON(), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_campaigns_state", "campaigns", ["state"])
    op.create_table(
        "campaign_contacts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("campaign_id", ID, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("customer_id", ID, sa.ForeignKey("customers.id", ondelete="SET NULL")),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("phone_key", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", TS, nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_at", TS),
        sa.Column("outcome", sa.String(32)),
        sa.Column("done_at", TS),
    )
    op.create_index("ix_campaign_contacts_due", "campaign_contacts", ["campaign_id", "status", "next_at"])
    op.create_index("ix_campaign_contacts_phone_key", "campaign_contacts", ["phone_key"])
    op.create_table(
        "campaign_calls",
        sa.Column("id", ID, primary_key=True),
        sa.Column("campaign_id", ID, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
        sa.Column("contact_id", ID, sa.ForeignKey("campaign_contacts.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("call_id", sa.String(128)),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.UniqueConstraint("contact_id", "attempt", name="uq_campaign_calls_attempt"),
    )
    op.create_index("ix_campaign_calls_campaign_id", "campaign_calls", ["campaign_id"])
    op.create_index("ix_campaign_calls_at", "campaign_calls", ["at"])
    op.create_table(
        "do_not_call",
        sa.Column("phone_key", sa.String(32), primary_key=True),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", TS, nullable=False),
    )


def downgrade() -> None:
    """Drop the four tables."""
    op.drop_table("do_not_call")
    op.drop_table("campaign_calls")
    op.drop_table("campaign_contacts")
    op.drop_table("campaigns")
