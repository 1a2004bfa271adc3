"""Trainer mode: scored training attempts and the announced SIP addresses of desks in training status.

Revision ID: 0003
Revises: 0002
Create Date: 2026-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the training tables."""
    op.create_table(
        "training_attempts",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("attempt_id", sa.String(64), nullable=False, unique=True),
        sa.Column("scenario_id", sa.String(64), nullable=False),
        sa.Column("trainee", sa.String(64), nullable=False),
        sa.Column("launched_by", sa.String(64)),
        sa.Column("at", TS, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_training_attempts_scenario_id", "training_attempts", ["scenario_id"])
    op.create_index("ix_training_attempts_trainee_at", "training_attempts", ["trainee", "at"])
    op.create_table(
        "training_presence",
        sa.Column("username", sa.String(64), sa.ForeignKey("users.username", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("sip_uri", sa.String(256), nullable=False),
        sa.Column("since", TS, nullable=False),
    )


def downgrade() -> None:
    """Drop the training tables."""
    op.drop_table("training_presence")
    op.drop_table("training_attempts")
