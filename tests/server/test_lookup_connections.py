"""The SQLite lookup's own connection: reused, dropped when a lookup fails on it, closed with the engine."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agent_tui.domain.base import utc_now
from agent_tui.domain.sla import SlaLimits
from agent_tui.server import migrate
from agent_tui.server.db import Database
from agent_tui.server.lookup import Lookup
from agent_tui.server.phones import phone_key
from agent_tui.server.seed.demo import seed_demo
from tests.server.test_lookup import phones_and_accounts, reference_answer


def test_sqlite_lookup_keeps_one_connection_and_drops_a_failed_one(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'lookup.db'}")
    try:
        migrate.upgrade(db)
        seed_demo(db)
        lookup = Lookup(db, SlaLimits())
        key = phone_key(phones_and_accounts(db)[0][0])
        now = utc_now()
        expected = reference_answer(db, now, key=key)
        opened: list[object] = []
        real_take = lookup._own.take if lookup._own else None
        assert real_take is not None, "a file database gets connections of the lookup's own"

        def take() -> tuple[object, object]:
            pair = real_take()
            opened.append(pair[1])
            return pair

        lookup._own.take = take  # type: ignore[method-assign, union-attr]
        for _ in range(3):
            assert lookup.by_phone(key, now).model_dump_json() == expected
        assert len({id(c) for c in opened}) == 1, "one connection, reused"
        first = opened[0]
        assert isinstance(first, sqlite3.Connection)
        first.close()  # broken under the lookup: the next lookup fails and drops it
        with pytest.raises(sqlite3.ProgrammingError):
            lookup.by_phone(key, now)
        assert lookup.by_phone(key, now).model_dump_json() == expected
        second = opened[-1]
        assert second is not first
        db.engine.dispose()  # closes the lookup's connections too
        assert isinstance(second, sqlite3.Connection)
        with pytest.raises(sqlite3.ProgrammingError):
            second.execute("SELECT 1")
        assert lookup.by_phone(key, now).model_dump_json() == expected
    finally:
        db.dispose()
