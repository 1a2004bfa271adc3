"""Callers' keypad satisfaction scores and voicemails (the voice service, issue 14).

Revision ID: 0009
Revises: 0008 (desk directory)
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add `satisfaction` and `voicemails`."""
    op.create_table(
        "satisfaction",
        sa.Column("call_id", sa.String(128), primary_key=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("scored_at", TS, nullable=False),
        sa.Column("scored_by", sa.String(64), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
    )
    op.create_index("ix_satisfaction_scored_at", "satisfaction", ["scored_at"])
    op.create_table(
        "voicemails",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("number", sa.String(200), nullable=False),
        sa.Column("queue", sa.String(200)),
        sa.Column("left_at", TS, nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("callback_id", sa.BigInteger()),
    )
    op.create_index("ix_voicemails_left_at", "voicemails", ["left_at"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("voicemails")
    op.drop_table("satisfaction")
