"""`ThreadedTransport`: the backend client's exchanges made by httpx's sync transport on worker threads.

Why: the desk's event loop is also Textual's. httpx's async transport (httpcore over anyio) cost ~0.8 ms
of that loop's CPU per request here, ~1 ms with the client around it, and a ring cycle makes three
(the screen pop's lookup, two state writes); the sync transport does the same exchange for ~0.4 ms,
thread hand-off included, and off the loop (docs/performance.md, "Third round"). Nothing else changes:
`httpx.AsyncClient` still builds the request (headers, timeouts, auth, no redirects) and reads the
answer; only the wire part moves.

Which requests go to a thread: those whose caller asked for it (`WHOLE_ANSWER` in the request's
extensions: `BackendClient.send`, which reads every answer whole anyway) and whose body is in memory.
Everything else keeps the async transport: the event stream (its answer never ends), and a recording's
upload (its body is read from the file chunk by chunk on the loop).

A caller that stops waiting (a lookup's deadline) does not stop the exchange: the thread finishes it
within the client's own timeouts, and its answer is dropped. The threads are daemons: quitting never
waits for an exchange with a backend that stopped answering (a `ThreadPoolExecutor`'s would).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import ssl
import threading
from collections.abc import Callable

import httpx

WHOLE_ANSWER = "agent_tui.whole_answer"
"""Request extension: the caller reads the answer whole, so it may be fetched on a worker thread."""
WORKERS = 4
"""Exchanges under way at once (the outbox sends one at a time; a lookup must not wait behind it)."""
KEPT_EXTENSIONS = ("http_version", "reason_phrase")
"""What of the answer's extensions is passed on (its network stream is closed by then)."""


class ThreadedTransport(httpx.AsyncBaseTransport):
    """An async transport that hands whole-answer exchanges to a sync transport on worker threads."""

    def __init__(self, *, verify: ssl.SSLContext | bool = True, sync: httpx.BaseTransport | None = None,
                 fallback: httpx.AsyncBaseTransport | None = None) -> None:
        """`verify` as for httpx's transports; `sync` and `fallback` replace the two transports (tests)."""
        self._sync = sync or httpx.HTTPTransport(verify=verify)
        self._fallback = fallback or httpx.AsyncHTTPTransport(verify=verify)
        self._threads = Workers(WORKERS, "backend-http")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.extensions.get(WHOLE_ANSWER) or not isinstance(request.stream, httpx.SyncByteStream):
            return await self._fallback.handle_async_request(request)
        return await self._threads.run(self._exchange, request)

    def _exchange(self, request: httpx.Request) -> httpx.Response:
        """One exchange on a worker thread: the answer's raw bytes read whole (the client decodes them)."""
        answer = self._sync.handle_request(request)
        try:
            stream = answer.stream
            assert isinstance(stream, httpx.SyncByteStream)  # what a sync transport answers with
            raw = b"".join(stream)
        finally:
            answer.close()
        extensions = {key: answer.extensions[key] for key in KEPT_EXTENSIONS if key in answer.extensions}
        return httpx.Response(answer.status_code, headers=answer.headers, stream=httpx.ByteStream(raw),
                              extensions=extensions)

    async def aclose(self) -> None:
        """Close both transports; a worker still in an exchange ends it within its timeouts."""
        self._threads.stop()
        self._sync.close()
        await self._fallback.aclose()


Job = tuple[Callable[[httpx.Request], httpx.Response], httpx.Request, "asyncio.Future[httpx.Response]",
            asyncio.AbstractEventLoop]


class Workers:
    """Up to `count` daemon threads, started as work comes, each running one exchange at a time."""

    def __init__(self, count: int, name: str) -> None:
        self._count = count
        self._name = name
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = 0

    async def run(self, work: Callable[[httpx.Request], httpx.Response],
                  request: httpx.Request) -> httpx.Response:
        """`work(request)` on a worker thread; its result or its exception, here."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[httpx.Response] = loop.create_future()
        with self._lock:
            if self._idle > 0:
                self._idle -= 1  # taken now: a second job at once starts a thread of its own
            elif len(self._threads) < self._count:
                thread = threading.Thread(target=self._work, name=f"{self._name}-{len(self._threads)}",
                                          daemon=True)
                self._threads.append(thread)
                thread.start()
            # else every thread is busy: the job waits in the queue for the first one done
        self._jobs.put((work, request, future, loop))
        return await future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            work, request, future, loop = job
            try:
                answer = work(request)
            except BaseException as error:  # handed to the caller, as an exchange on the loop would raise it
                self._settle(loop, future, None, error)
            else:
                self._settle(loop, future, answer, None)
            with self._lock:
                self._idle += 1

    @staticmethod
    def _settle(loop: asyncio.AbstractEventLoop, future: asyncio.Future[httpx.Response],
                answer: httpx.Response | None, error: BaseException | None) -> None:
        def settle() -> None:
            if future.done():  # the caller stopped waiting
                return
            if error is not None:
                future.set_exception(error)
            else:
                assert answer is not None
                future.set_result(answer)

        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle)

    def stop(self) -> None:
        """End the threads once their exchange (if any) is done; returns at once."""
        with self._lock:
            for _ in self._threads:
                self._jobs.put(None)
            self._threads.clear()
            self._idle = 0
