"""One read of the events table per wake-up, fanned out in memory to every open event stream.

Before this, each `/v1/events` stream ran its own query on every wake-up: ~1.2 ms of server time per
stream per event, so 1,000 streams heard of a change 1.35 s late (BENCHMARKS.md). Now one reader task
per process reads the new rows once, renders each event's SSE text once, and hands every stream the
text it may see (`broker.may_see`, the one copy of the rule). Streams with the same role and no event
of their own in a batch share one joined string.

A stream first catches up from the table on its own (Last-Event-ID, or the id it started after), then
joins the fan-out at the reader's position. A stream whose client reads too slowly holds at most
`max_pending` characters; past that it is dropped from the fan-out and told to reconnect, and the
client resumes with Last-Event-ID, so it loses nothing and never holds up the others. One keep-alive
ticker per process wakes the streams that have been quiet for `keepalive_s`.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from agent_tui.domain.session import Role
from agent_tui.server.broker import Stored

if TYPE_CHECKING:
    from agent_tui.server.broker import Broker

log = logging.getLogger(__name__)

PAGE = 1000
"""Rows read at once, by the reader and by a stream catching up."""
COALESCE_S = 0.025
"""Reads follow each other at least this far apart. Under load each stream then wakes and writes to its
socket ~40 times a second at most, not once per commit; an event after a quiet spell goes out at once."""
MAX_PENDING = 1_000_000
"""Characters a stream may have waiting (~2,500 events); a client further behind is told to reconnect.
Streams of one role share their strings, so many slow streams cost far less than this each."""


class Subscription:
    """One stream's place in the fan-out: who reads it, how far it got, and the text waiting for it."""

    __slots__ = ("behind", "last", "pending", "pending_chars", "ready", "role", "sent_at", "username")

    def __init__(self, username: str, role: Role, last: int) -> None:
        self.username = username
        self.role = role
        self.last = last
        """The newest event id this stream has been given (or skipped as not its own)."""
        self.pending: list[str] = []
        """SSE text handed over by the reader, not yet taken by the stream."""
        self.pending_chars = 0
        self.ready = asyncio.Event()
        """Set when text is pending or the stream fell behind."""
        self.behind = False
        """It fell too far behind: its pending text was dropped and it must reconnect."""
        self.sent_at = time.monotonic()
        """When the stream last wrote anything (the keep-alive ticker wakes it when this gets old)."""

    def take(self) -> str:
        """Everything pending, joined (empty if nothing)."""
        text = "".join(self.pending) if len(self.pending) != 1 else self.pending[0]
        self.pending.clear()
        self.pending_chars = 0
        self.ready.clear()
        return text


class Fanout:
    """The reader task of one process and the streams it feeds."""

    def __init__(
        self, broker: Broker, poll_s: float, keepalive_s: float = 15.0, max_pending: int = MAX_PENDING
    ) -> None:
        self.broker = broker
        self.poll_s = poll_s
        self.keepalive_s = keepalive_s
        self.max_pending = max_pending
        self.cursor = 0
        """The newest event id handed to the streams."""
        self.subscribers: set[Subscription] = set()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start reading after the newest event, and the keep-alive ticker."""
        self.cursor = await run_in_threadpool(self.broker.latest_id)
        self._tasks = [asyncio.create_task(self._run(), name="event-fanout"),
                       asyncio.create_task(self._keep_alive(), name="event-keepalive")]

    async def stop(self) -> None:
        """Stop reading."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _keep_alive(self) -> None:
        # One ticker for all streams: a timeout on every stream's wait cost ~9% of the server's CPU
        # at 5,000 streams (rescheduled on each wake-up).
        while True:
            await asyncio.sleep(self.keepalive_s / 4)
            due = time.monotonic() - self.keepalive_s
            for sub in self.subscribers:
                if sub.sent_at <= due:
                    sub.ready.set()

    async def _run(self) -> None:
        notifier = self.broker.notifier
        loop = asyncio.get_running_loop()
        last_read = -COALESCE_S
        while True:
            gap = loop.time() - last_read
            if gap < COALESCE_S:  # busy: let a few more commits gather into this read
                await asyncio.sleep(COALESCE_S - gap)
            last_read = loop.time()
            wake = notifier.current()
            try:
                rows = await run_in_threadpool(self.broker.read_after, self.cursor, PAGE)
            except Exception:  # the database is away for a moment: streams wait, nothing is skipped
                log.exception("reading new events failed; trying again in %.1f s", self.poll_s)
                rows = []
            if rows:
                self.dispatch(rows)
                if len(rows) == PAGE:
                    continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_s):
                    await wake.wait()

    def dispatch(self, rows: list[Stored]) -> None:
        """Hand `rows` (new, oldest first) to every stream that may see them."""
        first, newest = rows[0].id, rows[-1].id
        own: dict[str, list[Stored]] = {}
        for row in rows:
            if row.target is not None:
                own.setdefault(row.target, []).append(row)
        common: dict[Role, _Common] = {}
        shared: dict[tuple[Role, str | None], str] = {}
        for sub in tuple(self.subscribers):
            if sub.last >= first:  # it caught up past some of these on its own
                text = "".join(row.text for row in rows if row.id > sub.last and row.visible_to(sub))
            else:
                key = (sub.role, sub.username if sub.username in own else None)
                found = shared.get(key)
                if found is None:
                    base = common.get(sub.role)
                    if base is None:
                        base = common[sub.role] = _Common(rows, sub)
                    found = shared[key] = base.with_own(own.get(sub.username, ()), sub)
                text = found
            sub.last = max(sub.last, newest)
            if text:
                self._push(sub, text)
        self.cursor = max(self.cursor, newest)

    def _push(self, sub: Subscription, text: str) -> None:
        sub.pending.append(text)
        sub.pending_chars += len(text)
        if sub.pending_chars > self.max_pending:
            sub.pending.clear()
            sub.pending_chars = 0
            sub.behind = True
            self.subscribers.discard(sub)
        sub.ready.set()

    async def catch_up(self, sub: Subscription) -> AsyncIterator[str]:
        """The events after `sub.last` from the table; then `sub` joins the fan-out."""
        while True:
            rows = await run_in_threadpool(self.broker.read_after, sub.last, PAGE)
            if rows:
                sub.last = rows[-1].id
                text = "".join(row.text for row in rows if row.visible_to(sub))
                if text:
                    yield text
            # No await between this test and joining: the reader cannot hand out rows in between.
            if len(rows) < PAGE and sub.last >= self.cursor:
                self.subscribers.add(sub)
                return

    def leave(self, sub: Subscription) -> None:
        """The stream ended."""
        self.subscribers.discard(sub)



class _Common:
    """The text of a batch's events every reader of one role may see, and where each event starts in it.

    A stream with events of its own in the batch gets this text with its own spliced in at their
    places (ids stay in order), so the cost is per own event, not per event of the batch.
    """

    __slots__ = ("ids", "offsets", "text")

    def __init__(self, rows: list[Stored], reader: Subscription) -> None:
        self.ids: list[int] = []
        self.offsets: list[int] = [0]
        pieces = []
        for row in rows:
            if row.shared_with(reader.role):
                self.ids.append(row.id)
                pieces.append(row.text)
                self.offsets.append(self.offsets[-1] + len(row.text))
        self.text = "".join(pieces)

    def with_own(self, own: Iterable[Stored], reader: Subscription) -> str:
        """This text with `reader`'s own events that it may see, in id order."""
        pieces: list[str] = []
        at = 0
        for row in own:
            if not row.shared_with(reader.role):  # shared ones are in this text already
                cut = self.offsets[bisect.bisect_left(self.ids, row.id)]
                pieces += (self.text[at:cut], row.text)
                at = cut
        if not pieces:
            return self.text
        pieces.append(self.text[at:])
        return "".join(pieces)
