"""The outbox's journal: the SQLite table of writes waiting for the backend, its rows and its counts.

`agent_tui.sync.outbox.Outbox` delivers what is here; this module only stores it. A row is inserted
when a write is enqueued (with its Idempotency-Key, made then, once), read back in `seq` order to be
delivered (after a restart too: that is the replay), deleted once the backend took it, or marked dead
with the backend's problem when the backend refused it. The file runs in WAL mode with
`synchronous=NORMAL`; `journal_sync.WalSyncer` fsyncs it on a thread of its own.

Every method runs under `lock`, on whatever thread calls it: the sender calls them from
`asyncio.to_thread`, the UI thread calls `insert` directly.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from agent_tui.domain.base import Problem, utc_now
from agent_tui.sync.journal_sync import WalSyncer

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body TEXT,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    dead INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    last_error TEXT,
    problem TEXT,
    body_file TEXT,
    content_type TEXT
);
CREATE INDEX IF NOT EXISTS outbox_dead_seq ON outbox (dead, seq);
"""

ADDED_COLUMNS = (("body_file", "TEXT"), ("content_type", "TEXT"))
"""Columns added after the first release: a journal made before them gets them at open (ALTER TABLE)."""

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ItemState(StrEnum):
    """Where an outbox item is."""

    QUEUED = "queued"
    DEAD = "dead"


@dataclass(frozen=True)
class OutboxItem:
    """One journalled write."""

    seq: int
    """Position in the journal: delivery order."""
    idempotency_key: str
    kind: str
    """What the write is, for people: `ticket`, `call`, `agent_state`, ..."""
    method: str
    path: str
    body: Any
    created_at: datetime
    attempts: int = 0
    state: ItemState = ItemState.QUEUED
    http_status: int | None = None
    last_error: str | None = None
    problem: Problem | None = None
    """For a dead letter: why the backend refused it (its `detail` names the field)."""
    body_file: str | None = None
    """A file item: the file streamed as the body (then `body` is None)."""
    content_type: str | None = None
    """A file item: the body's Content-Type."""


_COLUMNS = ("seq, idempotency_key, kind, method, path, body, created_at, attempts, dead, "
            "http_status, last_error, problem, body_file, content_type")


def _item(row: sqlite3.Row | tuple[Any, ...]) -> OutboxItem:
    (seq, key, kind, method, path, body, created_at, attempts, dead, http_status,
     last_error, problem, body_file, content_type) = row
    return OutboxItem(
        seq=seq, idempotency_key=key, kind=kind, method=method, path=path,
        body=json.loads(body) if body is not None else None,
        created_at=datetime.fromisoformat(created_at), attempts=attempts,
        state=ItemState.DEAD if dead else ItemState.QUEUED, http_status=http_status,
        last_error=last_error,
        problem=Problem.model_validate_json(problem) if problem else None,
        body_file=body_file, content_type=content_type,
    )


class OutboxJournal:
    """The journal file at `path`: rows in, rows out, and how many are queued and dead."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Queued writes carry customer data: owner-only, like drafts and logs. SQLite gives the -wal
        # and -shm files the database file's mode, so creating it 0600 first covers all three.
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(self.path, 0o600)  # a journal made 0644 by an older version is tightened too
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.lock = threading.Lock()
        with self.lock:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # the fsync is WalSyncer's (module docstring)
            self.db.execute("PRAGMA busy_timeout=5000")
            self.db.executescript(SCHEMA)
            self._migrate_locked()
            queued, dead = self._counts_locked()
        self.syncer = WalSyncer(self.path)
        self.queued = queued
        """Rows waiting for delivery (kept in step under `lock`: the status bar reads it often)."""
        self.dead = dead
        """Dead letters."""

    def _migrate_locked(self) -> None:
        have = {row[1] for row in self.db.execute("PRAGMA table_info(outbox)").fetchall()}
        for name, sql_type in ADDED_COLUMNS:
            if name not in have:
                self.db.execute(f"ALTER TABLE outbox ADD COLUMN {name} {sql_type}")

    def _counts_locked(self) -> tuple[int, int]:
        rows = dict(self.db.execute("SELECT dead, count(*) FROM outbox GROUP BY dead").fetchall())
        return int(rows.get(0, 0)), int(rows.get(1, 0))

    def insert(self, method: str, path: str, kind: str, body: str | None, body_file: str | None,
               content_type: str | None, *, durable: bool,
               on_commit: Callable[[], None] | None = None) -> OutboxItem:
        """A new row with a new Idempotency-Key; committed when this returns, and fsynced when `durable`.

        `on_commit` runs once the row is committed, before the wait for the fsync: the sender may send it
        meanwhile (a commit survives the process dying; were the row lost to a power cut after the
        backend took it, nothing would send it again), so the fsync is not on the way to the backend.
        """
        method = method.upper()
        if method not in WRITE_METHODS:
            raise ValueError(f"the outbox carries writes only, not {method}")
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/': {path!r}")
        key = str(uuid.uuid4())
        created = utc_now()
        with self.lock:
            cursor = self.db.execute(
                "INSERT INTO outbox (idempotency_key, kind, method, path, body, created_at, body_file, "
                "content_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, kind, method, path, body, created.isoformat(), body_file, content_type),
            )
            assert cursor.lastrowid is not None
            seq = cursor.lastrowid
            self.queued += 1
            ticket = self.syncer.committed()
        if on_commit is not None:
            on_commit()
        if durable:
            self.syncer.wait(ticket)
        return OutboxItem(seq=seq, idempotency_key=key, kind=kind, method=method, path=path, body=None,
                          created_at=created, body_file=body_file, content_type=content_type)

    # The rest run under `lock`, taken by the caller (`Outbox._run_db`).

    def items_locked(self, *, dead: bool) -> list[OutboxItem]:
        """Queued items (or dead letters), in delivery order."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE dead = ? ORDER BY seq", (int(dead),)).fetchall()  # noqa: S608
        return [_item(row) for row in rows]

    def head_locked(self) -> OutboxItem | None:
        """The next item to deliver."""
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE dead = 0 ORDER BY seq LIMIT 1").fetchone()  # noqa: S608
        return _item(row) if row else None

    def revive_locked(self, seq: int) -> int:
        """A dead letter back in the queue, in its original place; 1 when it was one."""
        changed: int = self.db.execute(
            "UPDATE outbox SET dead = 0, attempts = 0, problem = NULL WHERE seq = ? AND dead = 1",
            (seq,)).rowcount
        self.queued += changed
        self.dead -= changed
        return changed

    def discard_locked(self, seq: int) -> int:
        """A dead letter gone for good; 1 when it was one."""
        changed: int = self.db.execute("DELETE FROM outbox WHERE seq = ? AND dead = 1", (seq,)).rowcount
        self.dead -= changed
        return changed

    def delivered_locked(self, seq: int) -> None:
        """The backend took the item: its row goes."""
        self.queued -= self.db.execute("DELETE FROM outbox WHERE seq = ?", (seq,)).rowcount

    def bury_locked(self, seq: int, status: int | None, message: str, problem: Problem) -> None:
        """The item becomes a dead letter, with why."""
        moved = self.db.execute(
            "UPDATE outbox SET dead = 1, attempts = attempts + 1, http_status = ?, last_error = ?, "
            "problem = ? WHERE seq = ? AND dead = 0",
            (status, message, problem.model_dump_json(), seq)).rowcount
        self.queued -= moved
        self.dead += moved

    def record_attempt_locked(self, seq: int, status: int | None, message: str) -> None:
        """One more failed try of the item, and how it failed."""
        self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, http_status = ?, last_error = ? WHERE seq = ?",
            (status, message, seq))

    def waiting_locked(self, kinds: Collection[str]) -> int:
        """Rows of these kinds waiting for delivery (dead letters do not count)."""
        kinds = list(kinds)
        if not kinds:
            return 0
        marks = ", ".join("?" * len(kinds))
        found: int = self.db.execute(
            f"SELECT count(*) FROM outbox WHERE dead = 0 AND kind IN ({marks})", kinds).fetchone()[0]  # noqa: S608
        return found

    def close(self) -> None:
        """The last commits reach the disk, then the file is closed."""
        self.syncer.close()
        with self.lock:
            self.db.close()
