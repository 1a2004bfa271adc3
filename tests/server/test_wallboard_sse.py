"""The wallboard over real SSE (uvicorn subprocess): queue figures reach supervisors, coalesced, and
never agents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.server.process import ServerProcess, SseClient, SseMessage

pytestmark = pytest.mark.timeout(180)
SUPERVISOR_KINDS = {"queue_stats", "agent_rows", "alert"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("wallboard")
    proc = ServerProcess(f"sqlite:///{workdir / 'server.db'}", workdir,
                         settings={"keepalive_s": 0.5, "wallboard_interval_s": 0.5,
                                   "recordings_dir": str(workdir / "rec")})
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


def until(client: SseClient, predicate: str, timeout: float) -> list[SseMessage]:
    """Messages up to and including the first event of kind `predicate`."""
    seen: list[SseMessage] = []
    while True:
        message = client.next(timeout)
        if message.event is None:
            continue
        seen.append(message)
        if message.event == predicate:
            return seen


def test_queue_stats_reach_supervisors_coalesced_and_never_agents(server: ServerProcess) -> None:
    sup = server.login("sup01")
    agent = server.login("agent01")
    sup_stream, agent_stream = SseClient(server.base, sup), SseClient(server.base, agent)
    try:
        for stream in (sup_stream, agent_stream):
            stream.comment("connected after", timeout=15)
        now = datetime.now(UTC)
        # 30 posts in quick succession: the supervisor gets a few coalesced panels, not 30.
        for i in range(30):
            events = [{"event_id": f"s{i}", "kind": "enqueued", "call_id": f"s{i}", "queue": "q-live",
                       "at": (now - timedelta(seconds=60 - i)).isoformat()}]
            answer = httpx.post(f"{server.base}/v1/queue-events", json={"events": events}, headers=sup)
            assert answer.status_code == 200, answer.text
        panels: list[SseMessage] = []
        while True:
            panels += [m for m in until(sup_stream, "queue_stats", timeout=15) if m.event == "queue_stats"]
            data = panels[-1].json()["data"]
            if data["queue"] == "q-live" and data["waiting"] == 30:
                break
        live = [p for p in panels if p.json()["data"]["queue"] == "q-live"]
        assert 1 <= len(live) < 30
        # The agent's stream carries the broadcast state change, and nothing meant for supervisors.
        put = httpx.put(f"{server.base}/v1/agents/agent01/state", json={"state": "ready"}, headers=agent)
        assert put.status_code == 200
        got = until(agent_stream, "agent_state", timeout=15)
        assert not {m.event for m in got} & SUPERVISOR_KINDS
        rows = until(sup_stream, "agent_rows", timeout=15)[-1].json()["data"]["rows"]
        assert any(r["username"] == "agent01" and r["state"] == "ready" for r in rows)
    finally:
        sup_stream.close()
        agent_stream.close()
