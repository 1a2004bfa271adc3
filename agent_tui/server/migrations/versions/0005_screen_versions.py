"""Call screens keep every version they had, and a ticket the version it was filed with.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add `screen_versions` (filled with the screens stored so far) and `tickets.screen_version`."""
    op.create_table(
        "screen_versions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("ticket_type", sa.String(20)),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("loaded_at", TS, nullable=False),
    )
    op.execute(
        "INSERT INTO screen_versions (id, version, ticket_type, definition, loaded_at) "
        "SELECT id, version, ticket_type, definition, CURRENT_TIMESTAMP FROM screens"
    )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("screen_version", sa.Integer()))


def downgrade() -> None:
    """Drop the kept versions and the tickets' screen version."""
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("screen_version")
    op.drop_table("screen_versions")
