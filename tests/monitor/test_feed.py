"""The wallboard feed: on doubles (stale and recovery), and against the real backend (snapshot + SSE)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.supervision import InterventionKind, InterventionRequest, WallboardSnapshot
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendRejected, BackendUnavailable
from agent_tui.sync.events import StreamState, StreamStatus
from agent_tui.sync.retry import Backoff
from agent_tui.sync.supervision import SupervisorClient, WallboardFeed
from tests.e2e.backend import RealBackend
from tests.monitor.doubles import snapshot


class Recorder:
    """A sink that keeps everything."""

    def __init__(self) -> None:
        self.snapshots: list[WallboardSnapshot] = []
        self.events: list[Event] = []
        self.links: list[datetime | None] = []

    def snapshot(self, snapshot: WallboardSnapshot) -> None:
        self.snapshots.append(snapshot)

    def event(self, event: Event) -> None:
        self.events.append(event)

    def link(self, stale_since: datetime | None, detail: str) -> None:
        self.links.append(stale_since)


async def until(predicate: Callable[[], object], deadline_s: float, what: str) -> None:
    """Let the loop run until `predicate()` holds."""
    deadline = time.monotonic() + deadline_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


class FlakySource:
    """Fails `failures` times, then answers snapshots with increasing event ids."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def wallboard(self) -> WallboardSnapshot:
        await asyncio.sleep(0.001)  # a real request lets the loop run
        self.calls += 1
        if self.calls <= self.failures:
            raise BackendUnavailable("connection refused")
        return snapshot(agents=2, last_event_id=10 * self.calls)


class ScriptedStream:
    """Yields two events, reports a lost link and a reconnect, then waits until closed."""

    def __init__(self, last: str | None, on_status: Callable[[StreamStatus], None]) -> None:
        self.last = last
        self.on_status = on_status
        self.closed = asyncio.Event()

    def close(self) -> None:
        self.closed.set()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        base = int(self.last or 0)
        for n in (1, 2):
            yield Event(id=base + n, kind=EventKind.ALERT, at=utc_now(), data={})
        self.on_status(StreamStatus(StreamState.RECONNECTING, "lost", 0.1))
        self.on_status(StreamStatus(StreamState.CONNECTED))
        await self.closed.wait()


async def test_feed_is_stale_until_the_backend_answers_then_resyncs_after_a_reconnect() -> None:
    sink = Recorder()
    streams: list[ScriptedStream] = []

    def make(last: str | None, on_status: Callable[[StreamStatus], None]) -> ScriptedStream:
        stream = ScriptedStream(last, on_status)
        streams.append(stream)
        return stream

    async def no_wait(_s: float) -> None:
        await asyncio.sleep(0)

    feed = WallboardFeed(FlakySource(failures=3), make, sink, sleep=no_wait,
                         retry=Backoff(base=0.01, cap=0.01))
    task = asyncio.create_task(feed.run())
    try:
        await until(lambda: len(streams) >= 2, 5, "a second stream")
        # Stale three times (one start time kept), then live with the snapshot.
        assert sink.links[0] is not None
        assert sink.links[:3] == [sink.links[0]] * 3
        assert sink.snapshots[0].last_event_id == 40
        assert streams[0].last == "40"
        assert [e.id for e in sink.events[:2]] == [41, 42]
        # The reconnect closed the first stream; a fresh snapshot started the second one from its id.
        assert streams[0].closed.is_set()
        assert streams[1].last == str(sink.snapshots[1].last_event_id)
        assert None in sink.links[3:]
    finally:
        feed.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_real_backend_snapshot_sse_stale_and_recovery(tmp_path: Path) -> None:
    backend = RealBackend(tmp_path)
    backend.start()
    client = BackendClient(backend.url)
    sink = Recorder()
    task: asyncio.Task[None] | None = None
    try:
        session = await client.login("sup01", SecretStr("demo"))
        assert session.role.value == "supervisor"
        feed = WallboardFeed.over(client, sink, retry=Backoff(base=0.2, cap=0.5))
        task = asyncio.create_task(feed.run())
        await until(lambda: sink.snapshots, 15, "the snapshot")
        first = sink.snapshots[0]
        assert {a.username for a in first.agents} >= {"agent01", "agent20"}
        assert {q.queue for q in first.queues}  # the demo seed has queue history

        async with httpx.AsyncClient(base_url=backend.url, timeout=10) as http:
            token = (await http.post("/v1/sessions", json={"username": "agent05", "password": "demo"})).json()
            headers = {"Authorization": f"Bearer {token['token']}"}
            answer = await http.put("/v1/agents/agent05/state", headers=headers,
                                    json={"state": "on_call", "call_id": "feed-1",
                                          "call_number": "13800000001",
                                          "queue": "95598-repair"})
            assert answer.status_code == 200

        def seen_row() -> bool:
            for event in sink.events:
                if event.kind == EventKind.AGENT_ROWS:
                    for row in event.data["rows"]:
                        if row["username"] == "agent05" and row["state"] == "on_call":
                            return True
            return False

        await until(seen_row, 10, "agent05's row on the stream")
        assert all(e.id > first.last_event_id for e in sink.events)

        # Interventions: agent05 is on a call; agent07 never logged in → the backend's clear 409.
        api = SupervisorClient(client)
        result = await api.intervene(InterventionRequest(kind=InterventionKind.LISTEN, agent="agent05"))
        assert result.monitor is not None
        assert result.monitor.sip_target == "1005"
        with pytest.raises(BackendRejected, match="logged out") as refused:
            await api.intervene(InterventionRequest(kind=InterventionKind.FORCE_READY, agent="agent07"))
        assert refused.value.status == 409

        # The backend dies: stale. It comes back on the same port and database: a fresh snapshot.
        backend.kill()
        await until(lambda: sink.links and sink.links[-1] is not None, 10, "stale")
        snapshots = len(sink.snapshots)
        backend.start()
        await until(lambda: len(sink.snapshots) > snapshots and sink.links[-1] is None, 30, "recovery")
        assert any(a.username == "agent05" and a.state.value == "on_call" for a in sink.snapshots[-1].agents)
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await client.aclose()
        backend.stop()
        assert backend.leftover_pids() == []


