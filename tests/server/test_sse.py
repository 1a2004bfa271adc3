"""Server-sent events against the real server (a uvicorn subprocess): resume, targets, keep-alive.

And on PostgreSQL with two workers: an event written through another connection reaches every stream
through LISTEN/NOTIFY (polling is set to two minutes, so nothing else could deliver it in time).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.server.pg import PgServer
from tests.server.process import ServerProcess, SseClient

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("sse")
    proc = ServerProcess(f"sqlite:///{workdir / 'server.db'}", workdir, settings={"keepalive_s": 0.5})
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


def connected(client: SseClient) -> int:
    """Wait for the stream's opening comment; answer the id it starts after."""
    return int(client.comment("connected after", timeout=15).comment.split()[-1])  # type: ignore[union-attr]


def put_state(
    server: ServerProcess, headers: dict[str, str], user: str, state: str, reason: str | None = None
) -> None:
    response = httpx.put(
        f"{server.base}/v1/agents/{user}/state", json={"state": state, "reason": reason}, headers=headers
    )
    assert response.status_code == 200, response.text


def test_resume_with_last_event_id(server: ServerProcess) -> None:
    agent = server.login("agent01")
    first = SseClient(server.base, agent)
    try:
        connected(first)
        put_state(server, agent, "agent01", "ready")
        (seen,) = first.events(1, timeout=10)
        assert seen.event == "agent_state"
        assert seen.json()["data"]["state"]["state"] == "ready"
    finally:
        first.close()
    put_state(server, agent, "agent01", "not_ready", "meal")
    put_state(server, agent, "agent01", "acw")
    resumed = SseClient(server.base, agent, last_event_id=int(seen.id or 0))
    try:
        missed = resumed.events(2, timeout=10)
        assert [m.json()["data"]["state"]["state"] for m in missed] == ["not_ready", "acw"]
        ids = [int(m.id or 0) for m in missed]
        assert ids == sorted(ids)
        assert ids[0] > int(seen.id or 0)
        assert all(m.json()["id"] == int(m.id or 0) for m in missed)
        put_state(server, agent, "agent01", "ready")
        (live,) = resumed.events(1, timeout=10)
        assert int(live.id or 0) > ids[-1]
    finally:
        resumed.close()


def test_targeted_commands_reach_only_their_agent(server: ServerProcess) -> None:
    sup = server.login("sup01")
    one, two = server.login("agent01"), server.login("agent02")
    stream_one, stream_two = SseClient(server.base, one), SseClient(server.base, two)
    try:
        connected(stream_one)
        connected(stream_two)
        sent = httpx.post(
            f"{server.base}/v1/agents/agent01/commands",
            json={"command": "coach", "data": {"text": "语速放慢"}},
            headers=sup,
        )
        assert sent.status_code == 202
        put_state(server, two, "agent02", "ready")  # for agent02 and the supervisors only
        put_state(server, one, "agent01", "ready")
        got_one = stream_one.events(2, timeout=10)
        assert [m.event for m in got_one] == ["command", "agent_state"]
        assert got_one[0].json()["target"] == "agent01"
        assert got_one[0].json()["data"] == {"command": "coach", "data": {"text": "语速放慢", "by": "sup01"}}
        assert got_one[1].json()["data"]["username"] == "agent01"  # agent02's change was not sent here
        (got_two,) = stream_two.events(1, timeout=10)
        assert got_two.event == "agent_state"  # the command before it was not for agent02
        assert got_two.json()["data"]["username"] == "agent02"
        assert int(got_two.id or 0) < int(got_one[1].id or 0)
    finally:
        stream_one.close()
        stream_two.close()


def test_keep_alive_comments_and_401(server: ServerProcess) -> None:
    stream = SseClient(server.base, server.login("trainer01"))
    try:
        connected(stream)
        assert stream.comment("keep-alive", timeout=10).comment == "keep-alive"
    finally:
        stream.close()
    refused = httpx.get(f"{server.base}/v1/events", timeout=5)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_listen_notify_fan_out_with_two_workers(pg_server: PgServer, pg_url: str, tmp_path: Path) -> None:
    proc = ServerProcess(pg_url, tmp_path, workers=2, settings={"event_poll_s": 120, "keepalive_s": 120})
    streams: list[SseClient] = []
    try:
        proc.start()
        users = [f"agent{i:02d}" for i in range(1, 7)]
        streams = [SseClient(proc.base, proc.login(user)) for user in users]
        for stream in streams:
            connected(stream)
        # An event written by another connection: only a NOTIFY can wake the streams before their poll.
        conninfo = pg_url.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(conninfo, autocommit=True) as conn, conn.transaction():
            row = conn.execute(
                "INSERT INTO events (kind, at, data) VALUES ('command', now(), %s) RETURNING id",
                ('{"command": "broadcast_test"}',),
            ).fetchone()
            conn.execute("SELECT pg_notify('agent_tui_events', '')")
        assert row is not None
        for stream in streams:
            (message,) = stream.events(1, timeout=10)
            assert int(message.id or 0) == row[0]
            assert message.json()["data"] == {"command": "broadcast_test"}
        # And through the API, whichever worker takes the request.
        for user in users:
            put_state(proc, proc.login(user), user, "ready")
        for user, stream in zip(users, streams, strict=True):
            (change,) = stream.events(1, timeout=10)  # its own: the others' go to the supervisors only
            assert change.json()["data"]["username"] == user
    finally:
        for stream in streams:
            stream.close()
        proc.stop()
