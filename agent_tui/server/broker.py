"""Live events: written in the same transaction as the change they announce, streamed by SSE.

Events are rows with increasing ids, so a client resumes with Last-Event-ID. The process's reader
(`fanout.Fanout`) sleeps on a `Notifier`; a commit that recorded events wakes it at once, and on
PostgreSQL a `pg_notify` at commit wakes every other worker through LISTEN. The reader also looks at
the table every `event_poll_s`, which covers SQLite databases written by other processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.session import Role
from agent_tui.server.db import EVENTS_FLAG, Database
from agent_tui.server.models import EventRow

log = logging.getLogger(__name__)

CHANNEL = "agent_tui_events"
"""PostgreSQL NOTIFY channel."""
_PG_EVENTS_LOCK = 0x61677476
"""Advisory lock writers of events hold until commit, so ids become visible in increasing order."""

_EVENTS = cast(Table, EventRow.__table__)
# Ids answered in the order of the rows given, also when many rows go in one statement.
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
_PG_PREPARED = "agent_tui_pg_events_prepared"
"""Key in `Session.info`: the connection whose transaction already took the lock and queued the NOTIFY."""
# One round trip for both: the NOTIFY is queued until commit whatever the order.
_PG_LOCK_AND_NOTIFY = text("SELECT pg_advisory_xact_lock(:key), pg_notify(:channel, '')")


def record(
    session: Session, kind: EventKind, data: dict[str, Any], *, target: str | None = None,
    audience: Role | None = None,
) -> Event:
    """Add an event to the session's transaction and answer it; listeners wake after the commit.

    `target` makes it visible to that user; `audience` to users of that role; both: to either
    (`may_see`).
    """
    (event,) = record_many(session, kind, [(data, target)], audience=audience)
    return event


def record_many(
    session: Session, kind: EventKind, items: Sequence[tuple[dict[str, Any], str | None]], *,
    audience: Role | None = None,
) -> list[Event]:
    """`record` for many events of one kind and audience, each (data, target): one INSERT for all.

    A batch of state changes records hundreds; on PostgreSQL one statement in place of one round
    trip each.
    """
    # Core statements built once, on the transaction's own connection: this runs for every state change.
    connection = session.connection()
    # Once per transaction, not per event: the lock is held until commit anyway, and PostgreSQL sends
    # a transaction's notifications once, at commit.
    first = connection.dialect.name == "postgresql" and session.info.get(_PG_PREPARED) is not connection
    if first:
        # Without this a later id could commit before an earlier one and a resuming client would skip it.
        connection.execute(_PG_LOCK_AND_NOTIFY, {"key": _PG_EVENTS_LOCK, "channel": CHANNEL})
        session.info[_PG_PREPARED] = connection
    at = utc_now()
    rows = [{"kind": kind.value, "at": at, "target": target, "audience": audience.value if audience else None,
             "data": data} for data, target in items]
    ids = connection.execute(_INSERT_EVENT, rows).scalars().all() if len(rows) > 1 else \
        [connection.execute(_INSERT_EVENT, rows[0]).scalar_one()]
    session.info[EVENTS_FLAG] = True
    return [Event(id=event_id, kind=kind, at=at, target=target, data=data)
            for event_id, (data, target) in zip(ids, items, strict=True)]


def may_see(target: str | None, audience: str | None, username: str, role: Role) -> bool:
    """Whether `username` (of `role`) may see an event for `target` and `audience`: the one rule.

    Neither: everyone. `target` only: that user. `audience` only: users of that role. Both: that user
    and every user of that role (an agent's own state change goes to the agent and the supervisors, not
    to 5,000 other desks).
    """
    return shared_with(target, audience, role) or target == username


def shared_with(target: str | None, audience: str | None, role: Role) -> bool:
    """Whether every user of `role` may see the event, whoever they are (part of `may_see`)."""
    # `role` is a StrEnum: compared as the string it is (`.value` costs ten times more, per stream).
    return audience == role if audience is not None else target is None


def format_event(event: Event) -> str:
    """One SSE message: `id`, `event` (the kind) and the event as JSON on one `data` line."""
    return f"id: {event.id}\nevent: {event.kind}\ndata: {event.model_dump_json()}\n\n"


class Reader(Protocol):
    """Who reads a stream: a username and a role."""

    @property
    def username(self) -> str: ...

    @property
    def role(self) -> Role: ...


@dataclass(frozen=True, slots=True)
class Stored:
    """An event as read from the table: who may see it, and its SSE text rendered once."""

    event: Event
    audience: str | None
    text: str

    @property
    def id(self) -> int:
        return self.event.id

    @property
    def target(self) -> str | None:
        return self.event.target

    def visible_to(self, reader: Reader) -> bool:
        """Whether `reader` may see it."""
        return may_see(self.event.target, self.audience, reader.username, reader.role)

    def shared_with(self, role: Role) -> bool:
        """Whether every reader of `role` may see it, whoever they are."""
        return shared_with(self.event.target, self.audience, role)


class Notifier:
    """Wakes every coroutine waiting on it; `wake()` may be called from any thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event = asyncio.Event()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the event loop the waiters run on."""
        self._loop = loop
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        """The event the next `wake()` sets: take it before looking for news, then wait on it."""
        return self._event

    def wake(self) -> None:
        """Wake every waiter (thread-safe)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._fire()
        else:
            loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        fired, self._event = self._event, asyncio.Event()
        fired.set()


class Broker:
    """Reads events for streams and keeps the PostgreSQL listener running."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.notifier = Notifier()
        self._listener: asyncio.Task[None] | None = None
        db.on_events = self.notifier.wake

    async def start(self) -> None:
        """Bind to the running loop; on PostgreSQL, listen for other workers' events."""
        self.notifier.bind(asyncio.get_running_loop())
        if self.db.is_postgres:
            self._listener = asyncio.create_task(self._listen(), name="pg-listen")

    async def stop(self) -> None:
        """Stop listening."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def _listen(self) -> None:
        import psycopg

        conninfo = self.db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    delay = 0.5
                    self.notifier.wake()  # events may have come while we were not listening
                    async for _ in conn.notifies():
                        self.notifier.wake()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database restarts or the network drops: listen again
                log.warning("event listener lost its connection (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    def latest_id(self) -> int:
        """The id of the newest event (0 when there is none)."""
        with self.db.read() as session:
            return int(session.execute(select(func.coalesce(func.max(EventRow.id), 0))).scalar_one())

    def read_after(self, after: int, limit: int) -> list[Stored]:
        """Up to `limit` events after id `after`, whoever they are for, oldest first."""
        with self.db.read() as session:
            rows = session.connection().execute(_READ, {"after": after, "limit": limit}).all()
        out = []
        for row in rows:
            event = Event(id=row.id, kind=EventKind(row.kind), at=row.at, target=row.target, data=row.data)
            out.append(Stored(event, row.audience, format_event(event)))
        return out

    def fetch(self, after: int, username: str, role: Role, limit: int = 500) -> list[Event]:
        """Up to `limit` events after id `after` that `username` may see, oldest first."""
        reader = _Who(username, role)
        found: list[Event] = []
        while len(found) < limit:
            rows = self.read_after(after, _PAGE)
            found += [row.event for row in rows if row.visible_to(reader)]
            if len(rows) < _PAGE:
                break
            after = rows[-1].id
        return found[:limit]


@dataclass(frozen=True, slots=True)
class _Who:
    username: str
    role: Role


_PAGE = 1000
# The reader runs this after each wake-up (and a stream catching up, per page): built once.
_READ = (
    select(_EVENTS.c.id, _EVENTS.c.kind, _EVENTS.c.at, _EVENTS.c.target, _EVENTS.c.audience, _EVENTS.c.data)
    .where(_EVENTS.c.id > bindparam("after"))
    .order_by(_EVENTS.c.id)
    .limit(bindparam("limit"))
)
