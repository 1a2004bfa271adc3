"""Three server processes on one PostgreSQL behind HAProxy; one is killed under load; nothing is lost
or doubled.

The real parts: PostgreSQL, three `agent-tui server` processes (one uvicorn worker each, so each pid
is a whole server), HAProxy from Debian with the health checks of docs/deploy.md. Through HAProxy:
two outbox drivers (the desk's own journal and sender, tests/faults/outbox_driver.py) file repair
orders with Idempotency-Keys; four light writers change agent states as fast as the servers answer
until the orders are in; six desks (the product's `EventStream`: reconnect with Last-Event-ID) hold
event streams. Polling is set to two minutes, so events written by one process reach streams held
by another only through LISTEN/NOTIFY. When a third of the orders have landed, the server holding
the most connections is SIGKILLed by pid. Counted at the end: every order exactly once in the
database, and every stream saw exactly the events the database holds for it, in id order, each once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psycopg
from pydantic import SecretStr

from agent_tui.domain.session import Role
from agent_tui.server.broker import may_see
from agent_tui.sync.client import BackendClient, Timeouts
from agent_tui.sync.events import EventStream
from agent_tui.sync.retry import Backoff
from tests.faults.outbox_driver import description
from tests.faults.processes import JsonProcess
from tests.server.haproxy import Haproxy
from tests.server.pg import PgServer
from tests.server.process import ServerProcess
from tests.support.peers import require_binary
from tests.support.waiting import wait_for

SERVERS = 3
STREAM_USERS = {"sup01": Role.SUPERVISOR, **{f"agent{i:02d}": Role.AGENT for i in range(2, 7)}}
STATE_AGENTS = [f"agent{i:02d}" for i in range(7, 11)]
MIN_CHANGES = 90
"""State changes the writers make at least (they go on until the orders are all delivered)."""
ORDERS_PER_DRIVER = 40
DRIVERS = 2
SETTINGS = {"event_poll_s": 120, "keepalive_s": 5}


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg", "postgresql")


async def _hold_stream(base: str, user: str, after: int, seen: list[int],
                       streams: dict[str, EventStream]) -> None:
    client = BackendClient(base, timeouts=Timeouts(connect=3.0, read=10.0))
    await client.login(user, SecretStr("demo"))
    stream = EventStream(client, last_event_id=str(after), backoff=Backoff(base=0.1, cap=1.0),
                         read_timeout=30.0)
    streams[user] = stream
    try:
        async for event in stream:
            seen.append(event.id)
    finally:
        await client.aclose()


async def _change_states(base: str, agent: str, done: list[int], retried: list[int],
                         stop: asyncio.Event) -> None:
    """Alternate ready/not_ready until `stop`; a request that fails is sent again until it is answered."""
    async with httpx.AsyncClient(base_url=base, timeout=10.0) as http:
        login = await http.post("/v1/sessions", json={"username": agent, "password": "demo"})
        assert login.status_code == 201, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        index = 0
        while not stop.is_set():
            body = {"state": "ready" if index % 2 else "not_ready", "reason": None}
            deadline = time.monotonic() + 30
            while True:
                try:
                    answer = await http.put(f"/v1/agents/{agent}/state", json=body, headers=headers)
                    if answer.status_code == 200:
                        break
                    assert answer.status_code in (502, 503), answer.text
                except httpx.TransportError:
                    pass
                retried.append(index)
                assert time.monotonic() < deadline, f"{agent}: no answer for 30 s"
                await asyncio.sleep(0.05)  # retry pacing, not waiting for an outcome
            done.append(index)
            index += 1


def _driver(base: str, customer: int, marker: str, start: int, tmp_path: Path) -> JsonProcess:
    env = dict(os.environ)
    env["XDG_STATE_HOME"] = str(tmp_path / f"driver-{start}")
    env["AGENT_TUI_PASSWORD"] = "demo"
    args = ["--url", base, "--customer", str(customer), "--marker", marker, "--start", str(start),
            "--stop", str(start + ORDERS_PER_DRIVER), "--interval", "0.02", "--drain"]
    return JsonProcess("tests.faults.outbox_driver", args, env, tmp_path / f"driver-{start}.err")


def _orders(conninfo: str, marker: str) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("SELECT description FROM tickets WHERE description LIKE %s", (f"{marker}%",))
        return [row[0] for row in rows]


def test_kill_one_server_under_load_loses_and_doubles_nothing(
    pg_server: PgServer, pg_url: str, tmp_path: Path
) -> None:
    haproxy_bin = require_binary("haproxy", "haproxy")
    conninfo = _conninfo(pg_url)
    servers = [ServerProcess(pg_url, tmp_path, settings=SETTINGS) for _ in range(SERVERS)]
    balancer: Haproxy | None = None
    drivers: list[JsonProcess] = []
    try:
        servers[0].start()  # migrates and seeds; the others find the database ready
        rest = [threading.Thread(target=server.start) for server in servers[1:]]
        for thread in rest:
            thread.start()
        for thread in rest:
            thread.join()
        for server in servers:
            assert server.proc is not None
            assert server.proc.poll() is None, server.log()[-2000:]
        names = {f"s{i}": server for i, server in enumerate(servers)}
        balancer = Haproxy(haproxy_bin, tmp_path, [(name, server.port) for name, server in names.items()])
        balancer.start()
        with psycopg.connect(conninfo) as conn:
            customer = conn.execute("SELECT min(id) FROM customers").fetchone()
            start = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
        assert customer is not None
        assert start is not None
        marker = f"failover-{os.getpid()}"
        killed = asyncio.run(_scenario(balancer, names, customer[0], start[0], marker, tmp_path, drivers))
        victim = names[killed].proc
        assert victim is not None
        assert victim.poll() == -signal.SIGKILL
    finally:
        for driver in drivers:
            driver.stop()
        if balancer is not None:
            balancer.stop()
        for server in servers:
            server.stop()


async def _scenario(balancer: Haproxy, names: dict[str, ServerProcess], customer: int, start: int,
                    marker: str, tmp_path: Path, drivers: list[JsonProcess]) -> str:
    base = balancer.base
    conninfo = _conninfo(names["s0"].db_url)
    seen: dict[str, list[int]] = {user: [] for user in STREAM_USERS}
    streams: dict[str, EventStream] = {}
    readers = [asyncio.create_task(_hold_stream(base, user, start, seen[user], streams))
               for user in STREAM_USERS]
    await asyncio.to_thread(wait_for, lambda: len(streams) == len(STREAM_USERS) and all(
        s.connects for s in streams.values()), 30, 0.05, "every desk's stream to connect")
    drivers += [_driver(base, customer, marker, n * ORDERS_PER_DRIVER, tmp_path) for n in range(DRIVERS)]
    changed: list[int] = []
    retried: list[int] = []
    stop = asyncio.Event()
    writers = [asyncio.create_task(_change_states(base, agent, changed, retried, stop))
               for agent in STATE_AGENTS]

    # Kill under load: once a third of the orders and of the state changes have landed.
    total_orders = DRIVERS * ORDERS_PER_DRIVER
    await asyncio.to_thread(
        wait_for, lambda: len(_orders(conninfo, marker)) >= total_orders // 3
        and len(changed) >= MIN_CHANGES // 3, 40, 0.05, "a third of the work")
    landed = len(_orders(conninfo, marker)), len(changed)
    busiest = max(names, key=lambda name: balancer.sessions(name))
    victim = names[busiest]
    assert victim.proc is not None
    os.kill(victim.proc.pid, signal.SIGKILL)
    victim.proc.wait(timeout=10)
    await asyncio.to_thread(wait_for, lambda: busiest not in balancer.up(), 10, 0.05,
                            "HAProxy to take the killed server out")

    for driver in drivers:
        await asyncio.to_thread(driver.until, "drained", 60)
    stop.set()
    await asyncio.gather(*writers)
    assert len(changed) >= MIN_CHANGES

    found = Counter(_orders(conninfo, marker))
    wanted = {description(marker, i) for i in range(total_orders)}
    assert set(found) == wanted, f"missing {sorted(wanted - set(found))[:5]}"
    assert max(found.values()) == 1, f"doubled: {[d for d, n in found.items() if n > 1][:5]}"

    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("SELECT id, target, audience FROM events WHERE id > %s ORDER BY id",
                            (start,)).fetchall()
    expected = {user: [id_ for id_, target, audience in rows if may_see(target, audience, user, role)]
                for user, role in STREAM_USERS.items()}
    assert all(len(ids) >= len(changed) for ids in expected.values())
    await asyncio.to_thread(wait_for, lambda: all(
        len(seen[user]) >= len(expected[user]) for user in STREAM_USERS), 30, 0.05,
        "every stream to catch up")
    for user in STREAM_USERS:
        assert seen[user] == expected[user], f"{user}: stream differs from the events table"
    reconnects = sum(stream.connects - 1 for stream in streams.values())
    print(f"killed {busiest} after {landed[0]} orders and {landed[1]} state changes; "
          f"{reconnects} stream reconnect(s); {len(retried)} state write(s) sent again; "
          f"{len(changed)} changes, {len(rows)} events")
    assert reconnects >= 1, "no stream was on the killed server"
    for stream in streams.values():
        stream.close()
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return busiest
