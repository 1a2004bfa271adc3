"""Database engine and sessions: SQLite (WAL) or PostgreSQL, read and write transactions.

On SQLite a write transaction starts with `BEGIN IMMEDIATE`, so two writers queue on the busy
timeout instead of failing when one upgrades a read lock; reads use a plain deferred `BEGIN` and
never block writers (WAL). Writers of one process also queue on a lock of their own first: SQLite's
busy handler polls with sleeps growing to 100 ms, so threads racing for the write lock would sleep
long after it was freed (at a few hundred writes a second that halved the throughput); a thread
waiting on a Python lock wakes as soon as it is released. Other processes still meet on the busy timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

EVENTS_FLAG = "agent_tui_events"
"""Key in `Session.info` set when a transaction recorded live events."""


class Database:
    """One engine and the sessions made from it; `on_events` runs after a commit that recorded events."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url: URL = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if self.url.database not in (None, "", ":memory:"):
                kwargs["pool_size"] = pool_size
                kwargs["max_overflow"] = pool_size * 2
        else:
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size * 2
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _sqlite_setup(self.engine)
        self._write_engine = self.engine.execution_options(agent_tui_write=True)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        self.on_events: Callable[[], None] | None = None
        # Reentrant: a write nested in another on the same thread fails on the busy timeout as before.
        self._write_lock: AbstractContextManager[object] = (
            threading.RLock() if self.is_sqlite else nullcontext()
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; rolled back at the end."""
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for writing, committed when the block ends without an exception."""
        with self._write_lock, self._write() as session, session.begin():
            yield session
        # Listeners wake after the lock is released: they read what was just committed.
        if session.info.pop(EVENTS_FLAG, False) and self.on_events is not None:
            self.on_events()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _sqlite_setup(engine: Engine) -> None:
    """WAL, foreign keys and our own BEGIN (the driver's implicit transactions are switched off)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("agent_tui_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
