"""The wallboard publisher: coalesces changes and streams them to supervisors a few times a second.

Routers `touch()` the queues and agents their transaction changed (after it committed). One task per
worker process wakes at most every `wallboard_interval_s`, recomputes what was touched, and records
`queue_stats` events for panels that changed, one `agent_rows` event with every touched row, and an
`alert` event per alert raised, changed or cleared. Every `wallboard_refresh_s` it recomputes every
queue and judges every alert (waiting callers age, half hours roll over, calls grow long).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.session import Role
from agent_tui.domain.supervision import AgentRows, Alert
from agent_tui.server import broker
from agent_tui.server.background import BackgroundLoop
from agent_tui.server.db import Database
from agent_tui.server.live import LiveFigures

log = logging.getLogger(__name__)


class Wallboard(BackgroundLoop):
    """Dirty sets filled by request threads, drained by one publishing task (or `flush()` in tests)."""

    task_name = "wallboard"

    def __init__(self, db: Database, live: LiveFigures) -> None:
        super().__init__()
        self.db = db
        self.live = live
        self.interval_s = live.settings.wallboard_interval_s
        self.refresh_s = live.settings.wallboard_refresh_s
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._queues: set[str] = set()
        self._agents: set[str] = set()
        self._published: dict[str, dict[str, Any]] = {}
        self._half_hour: datetime | None = None
        self._last_full = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def touch(self, queues: Iterable[str | None] = (), agents: Iterable[str | None] = ()) -> None:
        """Mark queues and agents changed (thread-safe); the publisher picks them up soon."""
        with self._lock:
            self._queues.update(q for q in queues if q)
            self._agents.update(a for a in agents if a)
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    async def start(self) -> None:
        """Start publishing on the running loop."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        await super().start()

    async def _run(self) -> None:
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        while True:
            full_due = self._last_full + self.refresh_s - loop.time()
            if full_due > 0:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel that
                # arrives as the wait ends, and `stop()` then waits for this loop forever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(full_due):
                        await self._wake.wait()
            self._wake.clear()
            full = loop.time() >= self._last_full + self.refresh_s
            if full:
                self._last_full = loop.time()
            try:
                await run_in_threadpool(self.flush, full)
            except Exception:  # a lost database must not end the publisher: try again next round
                log.exception("wallboard publishing failed")
            await asyncio.sleep(self.interval_s)  # the coalescing window

    def flush(self, full: bool = False, now: datetime | None = None) -> list[Event]:
        """Publish what was touched (everything when `full`); answer the events recorded."""
        with self._flush_lock:
            with self._lock:
                queues, self._queues = self._queues, set()
                agents, self._agents = self._agents, set()
            now = now or utc_now()
            half_hour = self.live.windows(now).half_hour
            rollover = self._half_hour is not None and half_hour != self._half_hour
            self._half_hour = half_hour
            try:
                return self._publish(now, queues, agents, full or rollover, rollover)
            except Exception:
                with self._lock:  # publish them next time
                    self._queues |= queues
                    self._agents |= agents
                raise

    def _publish(self, now: datetime, queues: set[str], agents: set[str], full: bool,
                 all_agents: bool) -> list[Event]:
        # The figures are computed in a read transaction, so agents' state changes (which queue on the
        # write lock) wait only for the short write that stores alerts and events, not for the sums.
        # A change committed in between was touched and is published by the next round.
        wanted: dict[str, Alert] | None = None
        with self.db.read() as session:
            panels = []
            if full or queues:
                panels = self.live.queue_panels(session, now, None if full else queues)
            rows = []
            if all_agents or agents:
                rows = self.live.agent_rows(session, now, None if all_agents else agents)
            if full or agents or panels:
                wanted = self.live.wanted_alerts(session, now, panels)
        changed: dict[str, dict[str, Any]] = {}
        events: list[Event] = []
        stats: list[tuple[dict[str, Any], str | None]] = []
        for panel in panels:
            data = panel.model_dump(mode="json")
            comparable = {k: v for k, v in data.items() if k != "longest_wait_s"}
            if self._published.get(panel.queue) != comparable:
                changed[panel.queue] = comparable
                stats.append((data, None))
        payload = AgentRows(rows=rows).model_dump(mode="json") if rows else None
        with self.db.write() as session:
            # The alerts are judged and stored first and the events recorded last: on PostgreSQL the
            # first event takes the events' advisory lock until commit, and the state writer's batches
            # wait for it; held over the alerts' statements it added their time to state changes' p95.
            alerts = [] if wanted is None else \
                self.live.sync_alerts(session, now, panels, all_queues=full, wanted=wanted)
            if stats:
                events += broker.record_many(session, EventKind.QUEUE_STATS, stats, audience=Role.SUPERVISOR)
            if payload is not None:
                events.append(broker.record(session, EventKind.AGENT_ROWS, payload, audience=Role.SUPERVISOR))
            if alerts:
                events += broker.record_many(session, EventKind.ALERT,
                                             [(alert.model_dump(mode="json"), None) for alert in alerts],
                                             audience=Role.SUPERVISOR)
        self._published.update(changed)  # only once committed: a failed round publishes them again
        return events
