"""Link health against the REAL backend process (`agent-tui server`): killed, stalled, and faked.

The client is set up as the desk sets it up: the product's default probe interval (3 s), the event
stream running, every exchange reporting to `LinkHealth`. Found before: the header said "Online" for
20 s after the backend was killed and while the login got HTML. Now: killed → offline within 10 s and
online again soon after a restart; stalled (SIGSTOP) → offline within 10 s, online again after
SIGCONT; a server answering HTML 200 to everything → never online.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent_tui.config import BackendSettings
from agent_tui.sync.client import BackendClient
from agent_tui.sync.connection import Timeouts
from agent_tui.sync.errors import BackendProtocolError
from agent_tui.sync.events import EventStream
from agent_tui.sync.link_health import LinkHealth, LinkHealthStatus
from agent_tui.sync.link_probe import LinkProber
from agent_tui.sync.retry import Backoff
from tests.server.process import ServerProcess
from tests.sync.test_outbox_e2e import until

DEADLINE_S = 10.0
"""What the desk promises: a dead or stalled backend shows offline within this."""
PROBE_S = BackendSettings().health_probe_s


@dataclass
class Desk:
    """The sync side of a desk: client, health, prober and the live event stream."""

    client: BackendClient
    health: LinkHealth
    prober: LinkProber
    stream: EventStream | None = None
    pump: asyncio.Task[None] | None = None
    """The task reading the event stream, as the desk's LiveStream does."""
    changes: list[tuple[float, LinkHealthStatus]] = field(default_factory=list)

    def changed(self, status: LinkHealthStatus) -> None:
        self.changes.append((time.monotonic(), status))

    def start_streaming(self) -> None:
        """Read the live event stream in a task (its events are not the point: its exchanges are)."""
        self.stream = EventStream(self.client, backoff=Backoff(base=0.2, cap=2.0))
        events = self.stream.events()

        async def pump() -> None:
            with contextlib.suppress(Exception):
                async for _event in events:
                    pass

        self.pump = asyncio.get_running_loop().create_task(pump())

    async def close(self) -> None:
        await self.prober.stop()
        if self.stream is not None:
            self.stream.close()
        if self.pump is not None:
            self.pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pump
        await self.client.aclose()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The real backend on SQLite, stopped by its pid (its process group) afterwards."""
    proc = ServerProcess(f"sqlite:///{tmp_path / 'server.db'}", tmp_path, settings={"keepalive_s": 1.0})
    proc.start()
    try:
        yield proc
    finally:
        if proc.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.proc.pid, signal.SIGCONT)  # a stalled server must be able to hear SIGTERM
        proc.stop()


@contextlib.asynccontextmanager
async def desk_on(url: str) -> AsyncIterator[Desk]:
    settings = BackendSettings()
    health = LinkHealth(probe_interval_s=settings.health_probe_s)
    client = BackendClient(url, timeouts=Timeouts(connect=settings.connect_timeout_s,
                                                  read=settings.read_timeout_s),
                           on_exchange=health.report)
    desk = Desk(client, health, LinkProber(client, health))
    health.add_listener(desk.changed)
    try:
        yield desk
    finally:
        await desk.close()


async def _log_in_and_stream(desk: Desk) -> None:
    await desk.client.login("agent01", SecretStr("demo"))
    assert desk.health.online is True
    desk.prober.start()
    desk.start_streaming()


async def _offline_within(desk: Desk, since: float, limit: float) -> float:
    await until(lambda: desk.health.online is False, limit + 5)
    went = next(at for at, status in desk.changes if status.online is False and at >= since)
    return went - since


async def test_a_killed_backend_is_offline_within_10_s_and_online_again_after_a_restart(
    server: ServerProcess,
) -> None:
    async with desk_on(server.base) as desk:
        await _log_in_and_stream(desk)
        assert server.proc is not None
        killed_at = time.monotonic()
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
        took = await _offline_within(desk, killed_at, DEADLINE_S)
        print(f"killed backend: offline after {took:.2f} s ({desk.health.status().detail})")
        assert took <= DEADLINE_S

        server.stop()
        server.start()  # the same port
        back_at = time.monotonic()
        await until(lambda: desk.health.online is True, DEADLINE_S + 5)
        print(f"restarted backend: online again after {time.monotonic() - back_at:.2f} s")
        assert time.monotonic() - back_at <= 2 * PROBE_S + 2


async def test_a_stalled_backend_is_offline_within_10_s_and_online_again_when_it_resumes(
    server: ServerProcess,
) -> None:
    async with desk_on(server.base) as desk:
        await _log_in_and_stream(desk)
        assert server.proc is not None
        stopped_at = time.monotonic()
        os.killpg(server.proc.pid, signal.SIGSTOP)  # it keeps its sockets: connections open, nothing answers
        try:
            took = await _offline_within(desk, stopped_at, DEADLINE_S)
        finally:
            os.killpg(server.proc.pid, signal.SIGCONT)
        print(f"stalled backend: offline after {took:.2f} s ({desk.health.status().detail})")
        assert took <= DEADLINE_S
        resumed_at = time.monotonic()
        await until(lambda: desk.health.online is True, DEADLINE_S + 5)
        print(f"resumed backend: online again after {time.monotonic() - resumed_at:.2f} s")
        assert time.monotonic() - resumed_at <= 2 * PROBE_S + 2


class _HtmlEverywhere(BaseHTTPRequestHandler):
    """A web server where the backend should be: 200 and an HTML page for every request."""

    PAGE = b"<html><body><h1>Welcome</h1><p>Please sign in to the network.</p></body></html>"

    def _page(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.PAGE)))
        self.end_headers()
        self.wfile.write(self.PAGE)

    do_GET = do_POST = do_PUT = _page

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlEverywhere)
    thread = threading.Thread(target=httpd.serve_forever, name="html-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


async def test_a_server_answering_html_200_is_never_online(html_server: str) -> None:
    async with desk_on(html_server) as desk:
        with pytest.raises(BackendProtocolError):
            await desk.client.login("agent01", SecretStr("demo"))
        desk.prober.start()
        desk.start_streaming()
        await until(lambda: desk.prober.probes >= 3, 3 * PROBE_S + 10)
        assert desk.changes
        assert all(status.online is False for _at, status in desk.changes), desk.changes
        detail = desk.health.status().detail
        assert "not JSON" in detail or "something else than events" in detail, detail
