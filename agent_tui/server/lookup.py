"""The screen pop's hot path: `GET /v1/customers/lookup` as plain DB-API statements, no ORM session.

A lookup answers the customers of a phone number (or account), each with its last contacts, open
tickets and the outage notices of its area. Through the ORM that cost ~1 ms of CPU a lookup, most of it
SQLAlchemy's session and statement machinery around queries the database runs in microseconds; here
the SQL text is rendered once per dialect and run on the driver connection, the values get the same
conversions the ORM would apply, and pydantic validates the answer as before, so it is byte for byte
the same (tests/server/test_lookup.py holds the ORM version as the reference).

- SQLite: five or six small statements, one after another, in one read transaction (one snapshot, as
  before); in-process statements cost microseconds, fewer of them would not pay. They run on a
  connection the lookup keeps (not the pool's: checking one out and back cost ~8% of a lookup).
- PostgreSQL: one statement, one round trip, in autocommit. Every part selects the matched customers
  again by the same key and comes back as a JSON array, so there is no BEGIN/ROLLBACK and no statement
  depending on another's answer; one statement also reads one snapshot (before, under READ COMMITTED,
  each of the five statements read its own). The lookup keeps its own few connections (made through
  the engine, so with the same settings), which saves the pool's pre-ping round trip; a connection that
  broke is dropped and the lookup retried once on a new one. The route's lookup (`answer`) runs it on
  the event loop through libpq's non-blocking protocol (lookup_pg_loop.py); `by_phone`/`by_account`
  run it on the caller's thread (the lookup's threads when the loop is not the connections' own).
"""

# The SQL below is put together from constants and the tables' own column names, never from input
# (the key and the time are bound parameters), so ruff's string-built-SQL check does not apply.
# ruff: noqa: S608

from __future__ import annotations

import asyncio
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import Table, event
from sqlalchemy.engine import Dialect, Engine
from starlette.requests import Request

from agent_tui.domain.base import utc_now
from agent_tui.domain.customer import ContactRecord, Customer, LookupResult
from agent_tui.domain.notice import OutageNotice
from agent_tui.domain.sla import SlaLimits
from agent_tui.domain.ticket import TicketStatus
from agent_tui.server import convert
from agent_tui.server.db import Database
from agent_tui.server.lookup_pg_loop import LoopStatements
from agent_tui.server.models import (
    ContactRow,
    CustomerRow,
    NoticeRow,
    TicketRow,
    TimelineRow,
    UtcDateTime,
)
from agent_tui.server.phones import phone_key

LOOKUP_THREADS = 2
"""PostgreSQL: lookups in flight per server process, each on its own thread and connection."""
PHONE_MAX_LENGTH = 40
"""The longest `phone` a lookup takes (the route's query validation and the fast lane's)."""
MAX_MATCHES = 10
"""At most this many customers share one phone number in an answer."""
HISTORY_ON_POP = 5
"""Contacts shown per customer."""
OPEN_TICKETS = 50
"""Open tickets over all matched customers, newest first (training tickets are never shown)."""
CLOSED = (TicketStatus.CLOSED.value, TicketStatus.CANCELLED.value)
_BY_PHONE, _BY_ACCOUNT = b"agent_tui_lookup_phone", b"agent_tui_lookup_account"

Processor = Callable[[Any], Any] | None
Rows = list[dict[str, Any]]

_CUSTOMERS: Table = CustomerRow.__table__  # type: ignore[assignment]
_CONTACTS: Table = ContactRow.__table__  # type: ignore[assignment]
_TICKETS: Table = TicketRow.__table__  # type: ignore[assignment]
_TIMELINE: Table = TimelineRow.__table__  # type: ignore[assignment]
_NOTICES: Table = NoticeRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class _Part:
    """One part of the answer: its SELECT, and how to turn its rows into dicts keyed by column."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Processor, ...]
    converting: tuple[tuple[str, Callable[[Any], Any]], ...] = field(init=False)
    """The columns whose values need a conversion, with it (worked out once, not per row)."""

    def __post_init__(self) -> None:
        converting = tuple((n, p) for n, p in zip(self.names, self.processors, strict=True) if p is not None)
        object.__setattr__(self, "converting", converting)

    def rows(self, raw: Sequence[Sequence[Any]]) -> Rows:
        """Driver rows as dicts, each value through its column's conversion."""
        names = self.names
        converting = self.converting
        out = []
        for row in raw:
            obj = dict(zip(names, row, strict=True))
            for name, proc in converting:
                value = obj[name]
                if value is not None:
                    obj[name] = proc(value)
            out.append(obj)
        return out

    def objects(self, raw: list[dict[str, Any]] | None) -> Rows:
        """Rows that came back as JSON objects (PostgreSQL's `json_agg`), converted the same way."""
        if not raw:
            return []
        for obj in raw:
            for name, proc in self.converting:
                value = obj[name]
                if value is not None:
                    obj[name] = proc(value)
        return raw


def _from_json_timestamp(value: str) -> datetime:
    """A `timestamptz` as `json_agg` writes it (ISO 8601 with offset), as `UtcDateTime` hands it back."""
    return datetime.fromisoformat(value).astimezone(UTC)


def _processors(dialect: Dialect, table: Table, names: Sequence[str], json: bool) -> tuple[Processor, ...]:
    """Per column: SQLAlchemy's own result processor for driver values; for JSON-encoded rows only the
    timestamps need one (numbers, strings, booleans and JSON columns arrive as their Python values)."""
    if json:
        return tuple(_from_json_timestamp if isinstance(table.c[n].type, UtcDateTime) else None
                     for n in names)
    return tuple(table.c[n].type.dialect_impl(dialect).result_processor(dialect, None) for n in names)


def _cols(names: Sequence[str], alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f'{prefix}"{n}"' for n in names)


class _Statements:
    """The lookup's SQL for one dialect and one key (`phone_key` or `account`)."""

    def __init__(self, dialect: Dialect, by: str) -> None:
        postgres = dialect.name == "postgresql"
        # Columns named like the contract's fields, so a row validates straight into its model.
        customer_cols = tuple(n for n in Customer.model_fields if n in _CUSTOMERS.c)
        contact_cols = tuple(n for n in ContactRecord.model_fields if n in _CONTACTS.c)
        notice_cols = tuple(n for n in OutageNotice.model_fields if n in _NOTICES.c)
        ticket_cols = tuple(c.name for c in _TICKETS.columns)
        timeline_cols = tuple(c.name for c in _TIMELINE.columns)

        def part(table: Table, names: tuple[str, ...], sql: str) -> _Part:
            return _Part(" ".join(sql.split()), names, _processors(dialect, table, names, json=postgres))

        if by == "phone":
            where = "id IN (SELECT customer_id FROM customer_phones WHERE phone_key = :key)"
            limit = f"ORDER BY id LIMIT {MAX_MATCHES}"
        else:
            where, limit = "account = :key", "ORDER BY id"
        matched = f"SELECT id, area FROM customers WHERE {where} {limit}"
        open_tickets = (f"FROM tickets WHERE customer_id IN (SELECT m.id FROM ({matched}) m) "
                        f"AND status NOT IN ('{CLOSED[0]}', '{CLOSED[1]}') AND NOT training "
                        f"ORDER BY id DESC LIMIT {OPEN_TICKETS}")
        newest = f'ORDER BY "at" DESC, id DESC LIMIT {HISTORY_ON_POP}'
        self.customers = part(_CUSTOMERS, customer_cols,
                              f"SELECT {_cols(customer_cols)} FROM customers WHERE {where} {limit}")
        self.tickets = part(_TICKETS, ticket_cols, f"SELECT {_cols(ticket_cols)} {open_tickets}")
        self.timelines = part(_TIMELINE, timeline_cols,
                              f"SELECT {_cols(timeline_cols)} FROM ticket_timeline "
                              f"WHERE ticket_id IN (SELECT id {open_tickets}) ORDER BY id")
        self.notices = part(_NOTICES, notice_cols,
                            f"SELECT {_cols(notice_cols)} FROM notices "
                            f"WHERE area IN (SELECT m.area FROM ({matched}) m WHERE m.area <> '') "
                            "AND (ends_at IS NULL OR ends_at > :now) ORDER BY starts_at, id")
        if postgres:
            self.history = part(_CONTACTS, contact_cols, "")  # only inside `combined`
            self.combined = self._combined(where, limit, newest, customer_cols, contact_cols, ticket_cols,
                                           timeline_cols, notice_cols)
        else:
            # One customer at a time: SQLite has no LATERAL, and a statement costs it microseconds.
            self.history = part(_CONTACTS, contact_cols,
                                f"SELECT {_cols(contact_cols)} FROM contacts "
                                f"WHERE customer_id = :id {newest}")
            self.combined = ""

    @staticmethod
    def _combined(where: str, limit: str, newest: str, customer_cols: Sequence[str],
                  contact_cols: Sequence[str], ticket_cols: Sequence[str], timeline_cols: Sequence[str],
                  notice_cols: Sequence[str]) -> str:
        """PostgreSQL: every part in one statement, one JSON array of the parts, each a JSON array
        (NULL when empty).

        The matched customers and the open tickets are CTEs, found once and used by the other parts
        (the customers' columns are read once, in `m`); LATERAL keeps each customer's history LIMIT on
        the (customer_id, at) index. One array rather than five columns (one JSON parse), and `m`
        carrying the columns rather than being joined again (docs/performance.md, w16-pglookup).
        """
        sql = f"""
            WITH m AS (SELECT {_cols(customer_cols)} FROM customers WHERE {where} {limit}),
            t AS (SELECT {_cols(ticket_cols)} FROM tickets WHERE customer_id IN (SELECT id FROM m)
                  AND status NOT IN ('{CLOSED[0]}', '{CLOSED[1]}') AND NOT training
                  ORDER BY id DESC LIMIT {OPEN_TICKETS})
            SELECT json_build_array(
            (SELECT json_agg(p ORDER BY p.id) FROM (SELECT {_cols(customer_cols)} FROM m) p),
            (SELECT json_agg(p ORDER BY p.customer_id, p."at" DESC, p.id DESC) FROM
                (SELECT {_cols(contact_cols, 'h')} FROM m CROSS JOIN LATERAL
                 (SELECT * FROM contacts WHERE customer_id = m.id {newest}) h) p),
            (SELECT json_agg(p ORDER BY p.id DESC) FROM t p),
            (SELECT json_agg(p ORDER BY p.id) FROM
                (SELECT {_cols(timeline_cols)} FROM ticket_timeline WHERE ticket_id IN (SELECT id FROM t)) p),
            (SELECT json_agg(p ORDER BY p.starts_at, p.id) FROM
                (SELECT {_cols(notice_cols)} FROM notices
                 WHERE area IN (SELECT area FROM m WHERE area <> '')
                 AND (ends_at IS NULL OR ends_at > :now)) p))
        """
        # psycopg's named style; the statement holds no literal `%`.
        return re.sub(r":(\w+)", r"%(\1)s", " ".join(sql.split()))


@dataclass(frozen=True, slots=True)
class _Rows:
    """What the statements found."""

    customers: Rows
    history: Rows
    tickets: Rows
    timelines: Rows
    notices: Rows


class _OwnConnections:
    """Driver connections kept by the lookup (PostgreSQL's in autocommit); closed with the lookup.

    Made through the engine (same connect arguments and setup), then detached from its pool: the pool
    would ping each one on checkout (a round trip) and roll it back on return; on SQLite, where the
    lookup ends its own read transaction, the pool's checkout and return alone were ~8% of a lookup.
    """

    def __init__(self, engine: Engine, autocommit: bool) -> None:
        self._engine = engine
        self._autocommit = autocommit
        self._idle: list[tuple[Any, Any]] = []
        self._all: list[tuple[Any, Any]] = []
        self._lock = threading.Lock()

    def take(self) -> tuple[Any, Any]:
        """An idle connection (fairy, driver connection), or a new one."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        fairy = self._engine.raw_connection()
        driver: Any = fairy.driver_connection
        fairy.detach()
        if self._autocommit:
            driver.autocommit = True
        with self._lock:
            self._all.append((fairy, driver))
        return fairy, driver

    def give_back(self, pair: tuple[Any, Any]) -> None:
        """Return a connection after use."""
        with self._lock:
            self._idle.append(pair)

    def discard(self, pair: tuple[Any, Any]) -> None:
        """Close a connection that failed."""
        with self._lock:
            if pair in self._all:
                self._all.remove(pair)
        pair[0].close()

    def close(self) -> None:
        """Close every connection."""
        with self._lock:
            pairs, self._all, self._idle = self._all, [], []
        for fairy, _driver in pairs:
            fairy.close()


class Lookup:
    """The screen-pop lookup over one database; statements are rendered once, here.

    `answer` is what the route awaits. On SQLite it runs the lookup right on the event loop: the
    statements cost tens of microseconds, less than handing the work to a thread and back. On
    PostgreSQL it sends the statement from the loop and awaits its socket (lookup_pg_loop.py), so a
    worker goes on serving while a lookup waits for its round trip, without the hand-off to a thread
    and back (~130 µs of CPU a lookup); from a loop that is not the connections' own it falls back to
    a small pool of its own threads.
    """

    def __init__(self, db: Database, limits: SlaLimits) -> None:
        self.db = db
        self.limits = limits
        dialect = db.engine.dialect
        self._by_phone = _Statements(dialect, "phone")
        self._by_account = _Statements(dialect, "account")
        self._bind_now = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
        self._threaded = dialect.name == "postgresql"
        # An in-memory SQLite database lives in one connection: that one is the pool's to share.
        own = self._threaded or db.url.database not in (None, "", ":memory:")
        self._own = _OwnConnections(db.engine, autocommit=self._threaded) if own else None
        self._threads: ThreadPoolExecutor | None = None
        self._threads_lock = threading.Lock()
        # PostgreSQL's `answer` runs on the event loop (lookup_pg_loop.py); the threads serve the rest.
        self._on_loop = (LoopStatements(db.engine, {_BY_PHONE: self._by_phone.combined,
                                                     _BY_ACCOUNT: self._by_account.combined})
                         if self._threaded else None)
        if self._own is not None:
            event.listen(db.engine, "engine_disposed", self._on_dispose)

    async def answer(
        self, now: datetime, *, key: str | None = None, account: str | None = None
    ) -> LookupResult:
        """The lookup by normalised phone `key` or by `account`, never blocking the loop on a round trip."""
        call = (partial(self.by_phone, key, now) if key is not None
                else partial(self.by_account, str(account), now))
        if not self._threaded:
            return call()
        if self._on_loop is not None:
            by_phone = key is not None
            values = await self._on_loop.fetch(_BY_PHONE if by_phone else _BY_ACCOUNT,
                                               key if key is not None else str(account), now)
            if values is not None:
                st = self._by_phone if by_phone else self._by_account
                return _assemble(_json_rows(st, values[0]), now, self.limits)
        return await asyncio.get_running_loop().run_in_executor(self._pool(), call)

    def _pool(self) -> ThreadPoolExecutor:
        with self._threads_lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(LOOKUP_THREADS, thread_name_prefix="lookup")
            return self._threads

    def by_phone(self, key: str, now: datetime) -> LookupResult:
        """Customers having the normalised phone number `key` (see `phones.phone_key`)."""
        return _assemble(self._run(self._by_phone, key, now), now, self.limits)

    def by_account(self, account: str, now: datetime) -> LookupResult:
        """The customer with this account number, if any."""
        return _assemble(self._run(self._by_account, account, now), now, self.limits)

    def close(self) -> None:
        """Stop the lookup's threads and close its own connections (disposing the engine does it too)."""
        with self._threads_lock:
            threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=True)
        if self._own is not None:
            self._own.close()
        if self._on_loop is not None:
            self._on_loop.close()

    def _on_dispose(self, _engine: Engine) -> None:
        self.close()

    def _run(self, st: _Statements, key: str, now: datetime) -> _Rows:
        bound_now = self._bind_now(now) if self._bind_now is not None else now
        if self._threaded:
            assert self._own is not None
            return self._run_postgres(self._own, st, key, bound_now)
        if self._own is not None:
            pair = self._own.take()
            try:
                rows = _run_sqlite(pair[1], st, key, bound_now)
            except Exception:
                self._own.discard(pair)  # its transaction may be left open: never reused
                raise
            self._own.give_back(pair)
            return rows
        pooled = self.db.engine.raw_connection()
        try:
            return _run_sqlite(pooled.driver_connection, st, key, bound_now)
        finally:
            pooled.close()

    @staticmethod
    def _run_postgres(own: _OwnConnections, st: _Statements, key: str, now: Any) -> _Rows:
        for attempt in (1, 2):
            pair = own.take()
            try:
                row = pair[1].execute(st.combined, {"key": key, "now": now}).fetchone()
            except Exception:
                broken = pair[1].broken or pair[1].closed
                if broken:
                    own.discard(pair)
                else:
                    own.give_back(pair)
                if broken and attempt == 1:
                    continue  # the server closed it (restart, idle timeout): once more on a new one
                raise
            own.give_back(pair)
            return _json_rows(st, row[0])
        raise AssertionError("unreachable")


def _json_rows(st: _Statements, row: Sequence[Any]) -> _Rows:
    """PostgreSQL's answer (already parsed: an array of the parts' JSON arrays), as the parts' rows."""
    return _Rows(st.customers.objects(row[0]), st.history.objects(row[1]), st.tickets.objects(row[2]),
                 st.timelines.objects(row[3]), st.notices.objects(row[4]))


def _run_sqlite(conn: Any, st: _Statements, key: str, now: Any) -> _Rows:
    # A deferred BEGIN: every statement reads the same snapshot, and writers are never blocked (WAL).
    conn.execute("BEGIN")
    try:
        customers = st.customers.rows(conn.execute(st.customers.sql, {"key": key}).fetchall())
        if not customers:
            return _Rows([], [], [], [], [])
        history = [
            row for c in customers
            for row in st.history.rows(conn.execute(st.history.sql, {"id": c["id"]}).fetchall())
        ]
        tickets = st.tickets.rows(conn.execute(st.tickets.sql, {"key": key}).fetchall())
        timelines = (st.timelines.rows(conn.execute(st.timelines.sql, {"key": key}).fetchall())
                     if tickets else [])
        notices = (st.notices.rows(conn.execute(st.notices.sql, {"key": key, "now": now}).fetchall())
                   if any(c["area"] for c in customers) else [])
        return _Rows(customers, history, tickets, timelines, notices)
    finally:
        conn.execute("ROLLBACK")


def _assemble(rows: _Rows, now: datetime, limits: SlaLimits) -> LookupResult:
    """The contract's answer; validation is pydantic's, as for every other route."""
    history: dict[int, Rows] = defaultdict(list)
    for contact in rows.history:
        history[contact["customer_id"]].append(contact)
    timelines: dict[int, list[TimelineRow]] = defaultdict(list)
    for entry in rows.timelines:
        timelines[entry["ticket_id"]].append(TimelineRow(**entry))
    # Tickets go through the same conversion as everywhere else (timeline order, SLA deadlines).
    tickets = [convert.ticket(TicketRow(**t), timelines[t["id"]], now, limits) for t in rows.tickets]
    matches = []
    for customer in rows.customers:
        contacts = history[customer["id"]]
        matches.append({
            "customer": customer,
            "last_case": contacts[0] if contacts else None,
            "open_tickets": [t for t in tickets if t.customer_id == customer["id"]],
            "notices": [n for n in rows.notices if n["area"] == customer["area"]],
            "history": contacts,
        })
    return LookupResult.model_validate({"matches": matches})


def lookup_service(request: Request) -> Lookup:
    """The app's lookup service, made on first use (its statements need the app's database)."""
    return service_of(request.app.state)


def service_of(state: Any) -> Lookup:
    """The lookup service kept on an app's `state`, made on first use."""
    service: Lookup | None = getattr(state, "customer_lookup", None)
    if service is None or service.db is not state.db:
        service = Lookup(state.db, state.settings.sla)
        state.customer_lookup = service
    return service


async def fast_lookup(state: Any, _user: object, query: bytes) -> bytes | None:
    """The screen pop by phone for the fast lane (`fastlane.py`): `GET /v1/customers/lookup?phone=N`.

    Only the ordinary request: exactly one `phone` parameter that the route's own validation would
    take, with digits in it. Anything else (an account, extra or repeated parameters, a number too
    long or without digits) answers None and goes down the route in routers/customers.py, which
    answers it or refuses it as before. The answer is the route's, byte for byte.
    """
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)  # as Starlette reads a query
    if len(pairs) != 1 or pairs[0][0] != "phone" or len(pairs[0][1]) > PHONE_MAX_LENGTH:
        return None
    key = phone_key(pairs[0][1])
    if not key:
        return None
    result = await service_of(state).answer(utc_now(), key=key)
    return result.model_dump_json().encode()
