"""The desk directory: where desks without a registrar answer (w15-train; the lead chains it at merge).

Revision ID: 0008
Revises: 0007 (notifications and return visits)
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `desk_addresses`."""
    op.create_table(
        "desk_addresses",
        sa.Column("username", sa.String(64), sa.ForeignKey("users.username", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("sip_uri", sa.String(256), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop `desk_addresses`."""
    op.drop_table("desk_addresses")
