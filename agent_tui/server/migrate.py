"""Bring a database's schema up to date with the Alembic migrations shipped in the package."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from agent_tui.server.db import Database

SCRIPT_LOCATION = "agent_tui.server:migrations"
_PG_MIGRATION_LOCK = 0x61677475  # any constant shared by every process migrating the same database


def alembic_config() -> Config:
    """An Alembic config pointing at our migrations, with no ini file."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def upgrade(db: Database) -> None:
    """Run every pending migration; on PostgreSQL, processes starting together take turns."""
    config = alembic_config()
    with db.engine.begin() as connection:
        if db.is_postgres:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
