"""PostgreSQL's screen-pop statement run on the event loop, through libpq's non-blocking protocol.

Profiled (docs/performance.md, "PostgreSQL lookups on the event loop"): a lookup on the lookup's own
threads cost ~250 µs of CPU in-process, of which ~115 µs was the lookup itself; the rest was the hand-off
to a thread and back (the executor's queue, waking the thread, `call_soon_threadsafe` waking the loop)
and the GIL passing between the loop and the threads. psycopg's own cursor machinery was a further
~40 µs of the 115 (its cursor, query conversion, prepared-statement bookkeeping, loaders).

Here the statement is prepared once per connection (`PREPARE` by name, the same SQL the threaded path
runs), sent with `PQsendQueryPrepared` with its two values as text, and the loop waits for the socket
to be readable: no thread, no cursor. The values come back as JSON text, parsed here as psycopg's json
loader does (`json.loads`), so the answer is the threaded path's to the byte.

The connections (at most `LOOP_CONNECTIONS` a process) are the lookup's own, made through the engine
(same settings) on the loop's default executor, since connecting blocks; lookups beyond that wait their
turn in order. A connection whose server went away is dropped and the lookup retried once on a new one;
a lookup cancelled while its statement is in flight drops its connection (its answer is still coming).
The connections belong to the first loop that uses them; a lookup from any other loop (a test client
started while another runs) answers None and the caller takes the threaded path.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg import pq
from sqlalchemy.engine import Engine

LOOP_CONNECTIONS = 4
"""PostgreSQL connections a server process's event loop keeps for lookups (lookups in flight at once)."""


class _Conn:
    """One connection: the psycopg connection that owns its libpq handle, and that handle used directly."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.pg: Any = driver.pgconn
        self.fd: int = self.pg.socket

    def broken(self) -> bool:
        return bool(self.pg.status != pq.ConnStatus.OK)

    def close(self) -> None:
        # The driver's own close (libpq's terminate), not the pool's: that would roll back first, a
        # round trip, and fail on a connection whose statement is still in flight.
        self.driver.close()


class LoopStatements:
    """Named statements run on one event loop; `fetch` answers the one row's values, JSON-decoded."""

    def __init__(self, engine: Engine, statements: dict[bytes, str]) -> None:
        self._engine = engine
        # psycopg's named placeholders become libpq's numbered ones, in the order `fetch` is given values.
        self._statements = {name: sql.replace("%(key)s", "$1").replace("%(now)s", "$2").encode()
                            for name, sql in statements.items()}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[_Conn] = []
        self._count = 0
        self._waiters: deque[asyncio.Future[_Conn]] = deque()
        self._closed = False
        self._connecting: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak ones)
        self._lock = threading.Lock()  # `close` may come from another thread (the engine's dispose)

    async def fetch(self, name: bytes, key: str, now: datetime) -> list[Any] | None:
        """The values of the statement's one row, each parsed as JSON (None stays None); None when this
        loop is not the connections' loop (the caller runs the statement another way)."""
        loop = asyncio.get_running_loop()
        if not self._owns(loop):
            return None
        params = [key.encode(), now.isoformat().encode()]
        for attempt in (1, 2):
            conn = await self._take(loop)
            try:
                values = await self._run(loop, conn, name, params)
            except BaseException:
                broken = conn.broken()
                self._drop(conn)  # in any doubt about where its protocol stands (a cancel, a fault)
                if broken and attempt == 1:
                    continue  # the server closed it (restart, idle timeout): once more on a new one
                raise
            self._give(conn)
            return [None if v is None else json.loads(v) for v in values]
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the idle connections now, the busy ones when their lookup ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for conn in idle:
            conn.close()

    def _owns(self, loop: asyncio.AbstractEventLoop) -> bool:
        with self._lock:
            if self._closed:
                return False
            if self._loop is None or (self._loop is not loop and self._loop.is_closed()):
                # First use, or the loop before this one has ended (its connections went with it).
                stale, self._idle, self._waiters = self._idle, [], deque()
                self._count = 0
                self._loop = loop
            else:
                stale = []
            owns = self._loop is loop
        for conn in stale:
            conn.close()
        return owns

    async def _take(self, loop: asyncio.AbstractEventLoop) -> _Conn:
        if self._idle:
            return self._idle.pop()
        if self._count < LOOP_CONNECTIONS:
            self._count += 1
            try:
                return await loop.run_in_executor(None, self._connect)
            except BaseException:
                self._count -= 1
                raise
        waiter: asyncio.Future[_Conn] = loop.create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._give(waiter.result())  # handed over just as this lookup was cancelled
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def _give(self, conn: _Conn) -> None:
        if self._closed:
            self._drop(conn)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    def _drop(self, conn: _Conn) -> None:
        with self._lock:
            self._count -= 1
        conn.close()
        # A lookup waiting for a connection makes a new one now rather than wait for a turn that
        # may never come.
        while self._waiters and self._count < LOOP_CONNECTIONS and not self._closed:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._count += 1
                task = waiter.get_loop().create_task(self._connect_for(waiter))
                self._connecting.add(task)
                task.add_done_callback(self._connecting.discard)

    async def _connect_for(self, waiter: asyncio.Future[_Conn]) -> None:
        """A new connection for `waiter` (counted already)."""
        try:
            conn = await asyncio.get_running_loop().run_in_executor(None, self._connect)
        except Exception as exc:  # the waiting lookup fails as its own connect would have
            self._count -= 1
            if not waiter.done():
                waiter.set_exception(exc)
            return
        if waiter.done():
            self._give(conn)
        else:
            waiter.set_result(conn)

    def _connect(self) -> _Conn:
        """A new connection through the engine, detached from its pool, with the statements prepared
        (blocking: run on an executor thread)."""
        fairy = self._engine.raw_connection()
        driver: Any = fairy.driver_connection
        fairy.detach()
        try:
            driver.autocommit = True
            pg = driver.pgconn
            for name, sql in self._statements.items():
                result = pg.prepare(name, sql)
                if result.status != pq.ExecStatus.COMMAND_OK:
                    raise RuntimeError(f"PREPARE {name.decode()}: {result.get_error_message()}")
            pg.nonblocking = 1
        except BaseException:
            driver.close()
            raise
        return _Conn(driver)

    @staticmethod
    async def _run(loop: asyncio.AbstractEventLoop, conn: _Conn, name: bytes,
                   params: Sequence[bytes]) -> list[bytes | None]:
        """Send the prepared statement and read its results without blocking the loop."""
        pg = conn.pg
        pg.send_query_prepared(name, params)
        while pg.flush():  # 1: libpq could not send it all yet
            await _ready(loop, conn.fd, write=True)
        results: list[Any] = []
        while True:
            while not pg.is_busy():
                result = pg.get_result()
                if result is None:
                    return _one_row(results)
                results.append(result)
            await _ready(loop, conn.fd, write=False)
            pg.consume_input()


def _one_row(results: list[Any]) -> list[bytes | None]:
    """The single row's values of a statement's results, or its error raised."""
    for result in results:
        if result.status != pq.ExecStatus.TUPLES_OK:
            raise RuntimeError(f"lookup statement failed: {result.get_error_message()}")
    if len(results) != 1 or results[0].ntuples != 1:
        raise RuntimeError(f"lookup statement: {len(results)} results, one row expected")
    result = results[0]
    return [result.get_value(0, column) for column in range(result.nfields)]


async def _ready(loop: asyncio.AbstractEventLoop, fd: int, write: bool) -> None:
    """Wait until `fd` is readable (or writable)."""
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    if write:
        loop.add_writer(fd, wake)
    else:
        loop.add_reader(fd, wake)
    try:
        await ready
    finally:
        if write:
            loop.remove_writer(fd)
        else:
            loop.remove_reader(fd)
