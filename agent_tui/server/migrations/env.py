"""Alembic environment: always run programmatically on a connection handed in by `migrate.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from agent_tui.server.models import Base


def run() -> None:
    """Run the migrations on the connection in `config.attributes["connection"]`."""
    connection: Connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
