"""The outbox: every write to the backend is journalled on disk first, then delivered exactly once.

- `enqueue()` stores the write in a SQLite journal (WAL) together with an Idempotency-Key (uuid4)
  made right then; once it returns, the write survives the app being killed.
- One sender task delivers the journal strictly in order (FIFO), reusing the item's key on every
  try, so a write whose answer was lost (backend or app killed mid-request) is applied once.
- Transport errors, 408, 425, 429 and 5xx are retried, honouring Retry-After, else with capped
  exponential backoff and jitter; the item stays at the head of the queue meanwhile.
- Any other 4xx moves the item to the dead-letter list with the backend's problem detail: kept,
  shown to the user, and retried (`retry_dead`) or thrown away (`discard`) by them.
- A 401 pauses delivery ("needs login") without losing anything; `resume()` after a new login.
- A file item (`enqueue_file`: a call recording) journals the file's *path*, not its bytes; the file
  is streamed as the body at each try. A file gone missing makes the item a dead letter saying so.

Durability: the journal runs in WAL mode with `synchronous=NORMAL`, and its fsync runs on a
thread of its own (`journal_sync.WalSyncer`): a commit survives the *process* dying as soon as it
returns, and a power cut or OS crash once the syncer's fsync is done, a few ms later. An enqueue
returns after that fsync by default ("acknowledged means kept"); `durable=False` returns after the
commit, for the desk's own bookkeeping (state changes, the record of a ring) that the agent is not
told about, so a ring cycle no longer waits ~10 ms for the disk on the UI thread. The sender is woken
at the commit, not after the fsync: the fsync guards against a power cut, not against sending.

Callbacks (`on_status`, `on_delivered`) run on the event loop that runs the sender; in the TUI
that is Textual's loop, so they may post messages directly.

The journal itself (the table, its rows, the counts) is `agent_tui.sync.outbox_journal`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from agent_tui import paths
from agent_tui.domain.base import Problem
from agent_tui.sync.client import IDEMPOTENCY_HEADER, BackendClient, Sleep
from agent_tui.sync.errors import BackendTlsError, BackendUnavailable
from agent_tui.sync.outbox_journal import ItemState, OutboxItem, OutboxJournal
from agent_tui.sync.responses import problem_from_response
from agent_tui.sync.retry import RETRYABLE_STATUSES, Backoff, parse_retry_after

log = logging.getLogger(__name__)

__all__ = ["Delivery", "ItemState", "LinkState", "Outbox", "OutboxItem", "OutboxStatus"]

FILE_CHUNK = 256 * 1024
"""Bytes read from a file body at a time: a long call's WAV is never held in memory whole."""

class LinkState(StrEnum):
    """The outbox's view of the backend link."""

    UNKNOWN = "unknown"
    """Nothing sent yet."""
    ONLINE = "online"
    OFFLINE = "offline"
    NEEDS_LOGIN = "needs_login"
    """The backend said 401: delivery is paused until `resume()`."""
    TLS_ERROR = "tls_error"
    """The backend's certificate was refused: delivery is paused until `resume()` (retrying cannot help)."""


@dataclass(frozen=True)
class OutboxStatus:
    """What the status bar shows: "online", or "offline, N queued", and dead letters."""

    link: LinkState
    queued: int
    dead: int
    last_error: str | None = None
    """The last failure seen (kept after later successes; `link` says how things are now)."""
    retry_in: float | None = None
    """Seconds until the next try, while a retry is pending."""


@dataclass(frozen=True)
class Delivery:
    """A delivered item and the backend's answer (e.g. the created ticket as JSON)."""

    item: OutboxItem
    status: int
    response: Any


class Outbox:
    """Durable FIFO of writes to the backend, delivered by one sender task."""

    def __init__(
        self,
        client: BackendClient,
        path: Path | None = None,
        *,
        on_status: Callable[[OutboxStatus], None] | None = None,
        on_delivered: Callable[[Delivery], None] | None = None,
        backoff: Backoff | None = None,
        retry_after_cap: float = 60.0,
        sleep: Sleep | None = None,
    ) -> None:
        """Open (or create) the journal at `path` (default: `state_dir()/outbox.db`)."""
        self._client = client
        self.path = path or paths.state_dir() / "outbox.db"
        self._journal = OutboxJournal(self.path)
        self._on_status = on_status
        self._on_delivered = on_delivered
        self._backoff = backoff or Backoff(base=0.5, cap=30.0)
        self._retry_after_cap = retry_after_cap
        self._sleep = sleep
        self._link = LinkState.UNKNOWN
        self._last_error: str | None = None
        self._retry_in: float | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._retry_now = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.delivered = 0
        """Items delivered by this instance."""

    # -- journal ---------------------------------------------------------------------------------

    async def _run_db(self, fn: Callable[[], Any]) -> Any:
        # On the sender's loop, not a thread: these are single-row reads and updates of a WAL journal
        # with synchronous=NORMAL (no fsync; ~50 µs). A hop to a worker thread and back cost more CPU
        # than the query, three times per delivery (docs/performance.md, "Third round").
        with self._journal.lock:
            return fn()

    async def enqueue(self, method: str, path: str, json_body: Any, kind: str) -> OutboxItem:
        """Journal a write and return it; it is on disk (fsynced) when this returns.

        The Idempotency-Key is made here, once, and sent with every try of this item. The disk
        write runs in a thread, so the event loop never waits on the fsync.
        """
        return await asyncio.to_thread(self.enqueue_sync, method, path, json_body, kind)

    def enqueue_sync(self, method: str, path: str, json_body: Any, kind: str, *,
                     durable: bool = True) -> OutboxItem:
        """Like `enqueue`, from any thread; the sender is woken on its loop.

        `durable=True` blocks until the write is fsynced (2-10 ms); `durable=False` returns once it is
        committed (~10 µs: it survives the process being killed, and a power cut a few ms later, when
        the syncer thread's fsync is done). For callers that need the item's key at once.
        """
        body = json.dumps(json_body, ensure_ascii=False, allow_nan=False) if json_body is not None else None
        item = self._insert(method, path, kind, body, None, None, durable=durable)
        return OutboxItem(seq=item.seq, idempotency_key=item.idempotency_key, kind=kind, method=item.method,
                          path=path, body=json.loads(body) if body is not None else None,
                          created_at=item.created_at)

    async def enqueue_file(
        self, method: str, path: str, file: Path, content_type: str, kind: str
    ) -> OutboxItem:
        """Journal a write whose body is the file at `file` (read when sent, not now); see `enqueue`."""
        return await asyncio.to_thread(self.enqueue_file_sync, method, path, file, content_type, kind)

    def enqueue_file_sync(
        self, method: str, path: str, file: Path, content_type: str, kind: str
    ) -> OutboxItem:
        """Like `enqueue_file`, from any thread, fsynced when it returns. The path is made absolute:
        the sender may run elsewhere."""
        return self._insert(method, path, kind, None, str(file.absolute()), content_type, durable=True)

    def _insert(self, method: str, path: str, kind: str, body: str | None, body_file: str | None,
                content_type: str | None, *, durable: bool) -> OutboxItem:
        return self._journal.insert(method, path, kind, body, body_file, content_type, durable=durable,
                                    on_commit=self._notify)

    def _notify(self) -> None:
        """Wake the sender and publish the status, on the sender's loop whatever thread we are on."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                loop.call_soon_threadsafe(self._notify_here)
                return
        self._notify_here()

    def _notify_here(self) -> None:
        self._wake.set()
        self._publish()

    async def queued_items(self) -> list[OutboxItem]:
        """Items waiting for delivery, in delivery order."""
        items: list[OutboxItem] = await self._run_db(lambda: self._journal.items_locked(dead=False))
        return items

    async def dead_letters(self) -> list[OutboxItem]:
        """Items the backend refused, oldest first, each with its problem detail."""
        items: list[OutboxItem] = await self._run_db(lambda: self._journal.items_locked(dead=True))
        return items

    def waiting(self, kinds: Collection[str]) -> int:
        """How many writes of these kinds wait for delivery, from any thread (a count on the journal:
        tens of µs; dead letters are not waiting)."""
        with self._journal.lock:
            return self._journal.waiting_locked(kinds)

    async def retry_dead(self, seq: int) -> bool:
        """Put a dead letter back in the queue (in its original place, so it goes next)."""
        changed = await self._run_db(lambda: self._journal.revive_locked(seq))
        if changed:
            self._wake.set()
            self._publish()
        return bool(changed)

    async def discard(self, seq: int) -> bool:
        """Throw a dead letter away for good."""
        changed = await self._run_db(lambda: self._journal.discard_locked(seq))
        if changed:
            self._publish()
        return bool(changed)

    # -- status ----------------------------------------------------------------------------------

    def status(self) -> OutboxStatus:
        """A snapshot of the link state and the counts."""
        return OutboxStatus(self._link, self._journal.queued, self._journal.dead, self._last_error,
                            self._retry_in)

    def _publish(self) -> None:
        if self._on_status is None:
            return
        try:
            self._on_status(self.status())
        except Exception:
            log.exception("outbox: the status callback failed")

    # -- the sender ------------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Start the sender task on the running loop (once)."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._loop = asyncio.get_running_loop()
            self._task = self._loop.create_task(self.run(), name="outbox-sender")
        return self._task

    async def stop(self) -> None:
        """Stop the sender (an item in flight is retried on the next start: its key makes it safe)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def close(self) -> None:
        """Stop the sender and close the journal."""
        await self.stop()
        await asyncio.to_thread(self._journal.close)  # the last commits reach the disk first

    def wake(self) -> None:
        """Try now instead of waiting out the backoff (e.g. the user pressed "retry now")."""
        self._retry_now = True
        self._wake.set()

    def resume(self) -> None:
        """After a new login: leave "needs login" and deliver again."""
        if self._link in (LinkState.NEEDS_LOGIN, LinkState.TLS_ERROR):
            self._link = LinkState.UNKNOWN
            self._last_error = None
            self._publish()
        self._wake.set()

    async def _pause(self, delay: float | None) -> None:
        """Wait for `delay` seconds (None: until woken); an enqueue does not cut a backoff short."""
        if delay is None:
            await self._wake.wait()
            self._wake.clear()
            return
        if self._sleep is not None:
            await self._sleep(delay)
            return
        deadline = time.monotonic() + delay
        while (remaining := deadline - time.monotonic()) > 0:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=remaining)
            except TimeoutError:
                return
            if self._stopping or self._retry_now:
                self._retry_now = False
                return
            # Woken by an enqueue: keep waiting, the head item is still failing.

    async def _head(self) -> OutboxItem | None:
        head: OutboxItem | None = await self._run_db(self._journal.head_locked)
        return head

    async def run(self) -> None:
        """Deliver items until stopped. Safe to run as a worker; never raises but cancellation."""
        failures = 0
        while not self._stopping:
            if self._link in (LinkState.NEEDS_LOGIN, LinkState.TLS_ERROR):
                await self._pause(None)
                continue
            self._wake.clear()
            item = await self._head()
            if item is None:
                self._retry_in = None
                await self._pause(None)
                continue
            delay = await self._deliver(item, failures)
            if delay is None:
                failures = 0
                continue
            failures += 1
            await self._pause(delay)
            self._retry_in = None

    async def _deliver(self, item: OutboxItem, failures: int) -> float | None:
        """Try `item` once. None: done with it (delivered or dead); else seconds before a retry."""
        headers: dict[str, str] = {IDEMPOTENCY_HEADER: item.idempotency_key}
        content: AsyncIterator[bytes] | None = None
        if item.body_file is not None:
            try:
                size = (await asyncio.to_thread(os.stat, item.body_file)).st_size
            except OSError as exc:
                await self._file_failed(item, exc)
                return None
            # A known length: the backend gets a plain body, not a chunked one.
            headers.update({"Content-Type": item.content_type or "application/octet-stream",
                            "Content-Length": str(size)})
            content = _file_chunks(item.body_file)
        try:
            if content is None:
                response = await self._client.send(item.method, item.path, json_body=item.body,
                                                   headers=headers)
            else:
                response = await self._client.send(item.method, item.path, content=content, headers=headers)
        except BackendTlsError as exc:
            # Stop, do not spin: the item stays queued and goes once the certificate is fixed (resume()).
            log.warning("outbox: %s", exc.message)
            await self._record_attempt(item, None, exc.message)
            self._link = LinkState.TLS_ERROR
            self._last_error = exc.message
            self._retry_in = None
            self._publish()
            return None
        except BackendUnavailable as exc:
            return await self._failed(item, failures, None, exc.message, None)
        except OSError as exc:  # the file body could not be read (removed or unreadable mid-send)
            await self._file_failed(item, exc)
            return None
        status = response.status_code
        if 200 <= status < 300:
            try:
                answer: Any = response.json() if response.content else None
            except ValueError:
                answer = None
            # Counters change under the journal's lock: `enqueue_sync` may run on another thread.
            await self._run_db(lambda: self._journal.delivered_locked(item.seq))
            self.delivered += 1
            self._link = LinkState.ONLINE
            self._publish()
            if self._on_delivered is not None:
                try:
                    self._on_delivered(Delivery(item, status, answer))
                except Exception:
                    log.exception("outbox: the delivery callback failed")
            return None
        problem = problem_from_response(response)
        message = f"{item.kind}: {status} {problem.detail or problem.title}"
        if status == 401:
            self._link = LinkState.NEEDS_LOGIN
            self._last_error = message
            await self._record_attempt(item, status, message)
            self._publish()
            return None
        if status in RETRYABLE_STATUSES or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return await self._failed(item, failures, status, message, retry_after)
        # Any other 4xx: the backend will never take this body; keep it for the user.
        await self._bury(item, status, message, problem)
        self._link = LinkState.ONLINE
        self._publish()
        return None

    async def _bury(self, item: OutboxItem, status: int | None, message: str, problem: Problem) -> None:
        """Move `item` to the dead letters with why (the caller publishes the status)."""
        log.warning("outbox: dead letter %s %s: %s", item.method, item.path, message)
        await self._run_db(lambda: self._journal.bury_locked(item.seq, status, message, problem))
        self._last_error = message

    async def _file_failed(self, item: OutboxItem, exc: OSError) -> None:
        """The body's file is gone or unreadable: retrying cannot bring it back, so it is a dead letter."""
        if isinstance(exc, FileNotFoundError):
            detail = f"the file {item.body_file} no longer exists"
        else:
            detail = f"the file {item.body_file} cannot be read ({exc.strerror or exc})"
        problem = Problem(title="File missing", status=0, detail=detail)
        await self._bury(item, None, f"{item.kind}: {detail}", problem)
        self._publish()

    async def _record_attempt(self, item: OutboxItem, status: int | None, message: str) -> None:
        await self._run_db(lambda: self._journal.record_attempt_locked(item.seq, status, message))

    async def _failed(
        self, item: OutboxItem, failures: int, status: int | None, message: str, retry_after: float | None
    ) -> float:
        await self._record_attempt(item, status, message)
        if retry_after is not None:
            delay = min(retry_after, self._retry_after_cap)
        else:
            delay = self._backoff.delay(failures)
        self._link = LinkState.OFFLINE
        self._last_error = message
        self._retry_in = delay
        self._publish()
        return delay


async def _file_chunks(path: str) -> AsyncIterator[bytes]:
    """The file at `path`, read in a thread chunk by chunk (a fresh read at each try)."""
    handle = await asyncio.to_thread(open, path, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, FILE_CHUNK):
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)
