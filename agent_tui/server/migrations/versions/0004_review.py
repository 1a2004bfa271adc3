"""Training review: recordings marked as training calls, and the library of model calls.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add `recordings.training` (existing recordings are real calls) and the `model_calls` table."""
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("training", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "model_calls",
        sa.Column("call_id", sa.String(128), sa.ForeignKey("recordings.call_id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.String(64), nullable=False),
        sa.Column("marked_at", TS, nullable=False),
    )


def downgrade() -> None:
    """Drop the model calls and the training mark of recordings."""
    op.drop_table("model_calls")
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("training")
