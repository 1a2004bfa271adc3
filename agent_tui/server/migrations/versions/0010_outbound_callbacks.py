"""Callbacks offered by the outbound dialer: a due time for rescheduled ones.

Revision ID: 0010
Revises: 0009 (voice)
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `callbacks.due_at` (NULL: due now)."""
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    """Drop the due time."""
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("due_at")
