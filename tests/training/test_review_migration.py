"""Migration 0004 from a database at 0003: recordings already there stay real calls; model calls appear;
down again drops both cleanly (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, text

from agent_tui.server.db import Database
from agent_tui.server.migrate import alembic_config
from tests.server.conftest import db_url, pg_server, pg_url, sqlite_url

__all__ = ["db_url", "pg_server", "pg_url", "sqlite_url"]


def migrate_to(db: Database, revision: str, *, down: bool = False) -> None:
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)


def test_upgrade_from_0003_keeps_recordings_real_and_adds_model_calls(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate_to(db, "0003")
        assert "model_calls" not in inspect(db.engine).get_table_names()
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO recordings (call_id, agent, number, duration_s, size, sha256, uploaded_at, "
                "uploaded_by) VALUES ('old-1', 'agent01', '1370', 2.0, 100, :sha, :at, 'agent01')"),
                {"sha": "a" * 64, "at": datetime(2026, 11, 1, tzinfo=UTC)})
        migrate_to(db, "0004")
        with db.engine.begin() as conn:
            query = text("SELECT training FROM recordings WHERE call_id = 'old-1'")
            training = conn.execute(query).scalar_one()
            assert training in (False, 0)
            conn.execute(text(
                "INSERT INTO model_calls (call_id, title, note, marked_by, marked_at) "
                "VALUES ('old-1', 'Example', '', 'sup01', :at)"), {"at": datetime(2026, 11, 2, tzinfo=UTC)})
            assert conn.execute(text("SELECT title FROM model_calls")).scalar_one() == "Example"
        migrate_to(db, "0003", down=True)
        inspector = inspect(db.engine)
        assert "model_calls" not in inspector.get_table_names()
        assert "training" not in {column["name"] for column in inspector.get_columns("recordings")}
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM recordings")).scalar_one() == 1
    finally:
        db.dispose()
