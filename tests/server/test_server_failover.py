"""Three server processes on two hosts, one PostgreSQL, behind HAProxy: one process is killed under
load, then the other host whole; nothing is lost or doubled.

The real parts: PostgreSQL, three `agent-tui server` processes (one uvicorn worker each, so each pid
is a whole server): two on this host, one on a second host (a network namespace joined by a veth,
tests/server/hosts.py, reaching PostgreSQL over its Unix socket), and HAProxy from Debian with the
health checks of docs/deploy.md. Through HAProxy:
two outbox drivers (the desk's own journal and sender, tests/faults/outbox_driver.py) file repair
orders with Idempotency-Keys; four light writers change agent states as fast as the servers answer
until the orders are in; six desks (the product's `EventStream`: reconnect with Last-Event-ID) hold
event streams. Polling is set to two minutes, so events written by one process reach streams held
by another only through LISTEN/NOTIFY. When a third of the orders have landed, the busier server
process of this host is SIGKILLed by pid; at two thirds the second host is cut off and its processes
killed (tests/server/hosts.py). The last server carries on alone. Counted at the end: every order
exactly once in the database, and every stream saw exactly the events the database holds for it, in
id order, each once.
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
from agent_tui.server.app import prepare
from agent_tui.server.broker import may_see
from agent_tui.server.cli import default_screens_dir
from agent_tui.server.db import Database
from agent_tui.server.settings import ServerSettings
from agent_tui.sync.client import BackendClient
from agent_tui.sync.connection import Timeouts
from agent_tui.sync.events import EventStream
from agent_tui.sync.retry import Backoff
from tests.faults.outbox_driver import description
from tests.faults.processes import JsonProcess
from tests.server.haproxy import Haproxy
from tests.server.hosts import Host, second_host
from tests.server.pg import PgServer
from tests.server.process import ServerProcess
from tests.support.peers import require_binary
from tests.support.waiting import wait_for

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


async def _change_states(base: str, agent: str, done: list[float], retried: list[int],
                         stop: asyncio.Event) -> None:
    """Alternate ready/not_ready until `stop`; a request that fails is sent again until it is answered.

    `done` gets the seconds each change took, retries included (the outage as the agent sees it)."""
    async with httpx.AsyncClient(base_url=base, timeout=10.0) as http:
        login = await http.post("/v1/sessions", json={"username": agent, "password": "demo"})
        assert login.status_code == 201, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        index = 0
        while not stop.is_set():
            body = {"state": "ready" if index % 2 else "not_ready", "reason": None}
            sent = time.monotonic()
            deadline = sent + 30
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
            done.append(time.monotonic() - sent)
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


def _events(conninfo: str, after: int) -> list[tuple[int, str | None, str | None, str]]:
    """(id, target, audience, kind) of every event after `after`, by id."""
    with psycopg.connect(conninfo) as conn:
        return [(row[0], row[1], row[2], row[3]) for row in conn.execute(
            "SELECT id, target, audience, kind FROM events WHERE id > %s ORDER BY id", (after,))]


def test_kill_a_server_then_a_host_under_load_loses_and_doubles_nothing(
    pg_server: PgServer, pg_url: str, tmp_path: Path
) -> None:
    haproxy_bin = require_binary("haproxy", "haproxy")
    conninfo = _conninfo(pg_url)
    # The other host has no 127.0.0.1 of ours: it reaches PostgreSQL through the socket file.
    over_socket = f"{pg_url.split('@')[0]}@/{pg_url.rsplit('/', 1)[1]}?host={pg_server.root / 'sock'}" \
                  f"&port={pg_server.port}"
    with second_host("afo") as host:
        servers = {"a0": ServerProcess(pg_url, tmp_path, settings=SETTINGS),
                   "a1": ServerProcess(pg_url, tmp_path, settings=SETTINGS),
                   "b0": ServerProcess(over_socket, tmp_path, settings=SETTINGS, host=host.address,
                                       prefix=host.prefix)}
        balancer: Haproxy | None = None
        drivers: list[JsonProcess] = []
        try:
            began = time.monotonic()
            # Migrated and seeded once here (as an operator starts the first process alone), so the
            # three processes start side by side and find the database ready.
            db = Database(pg_url)
            try:
                prepare(db, ServerSettings.from_url(pg_url, seed="demo", screens_dir=default_screens_dir()))
            finally:
                db.dispose()
            starting = [threading.Thread(target=server.start) for server in servers.values()]
            for thread in starting:
                thread.start()
            for thread in starting:
                thread.join()
            for server in servers.values():
                assert server.proc is not None
                assert server.proc.poll() is None, server.log()[-2000:]
            b0 = servers["b0"].proc
            assert b0 is not None
            host.pids.append(b0.pid)
            balancer = Haproxy(haproxy_bin, tmp_path,
                               [(name, f"{server.host}:{server.port}") for name, server in servers.items()])
            balancer.start()
            print(f"servers and HAProxy up in {time.monotonic() - began:.1f} s")
            with psycopg.connect(conninfo) as conn:
                customer = conn.execute("SELECT min(id) FROM customers").fetchone()
                start = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()
            assert customer is not None
            assert start is not None
            marker = f"failover-{os.getpid()}"
            killed = asyncio.run(_scenario(balancer, servers, host, customer[0], start[0], marker, tmp_path,
                                           drivers))
            victim = servers[killed].proc
            assert victim is not None
            assert victim.poll() == -signal.SIGKILL
            assert b0.poll() == -signal.SIGKILL
        finally:
            for driver in drivers:
                driver.stop()
            if balancer is not None:
                balancer.stop()
            for server in servers.values():
                server.stop()


async def _scenario(balancer: Haproxy, servers: dict[str, ServerProcess], host: Host, customer: int,
                    start: int, marker: str, tmp_path: Path, drivers: list[JsonProcess]) -> str:
    base = balancer.base
    conninfo = _conninfo(servers["a0"].db_url)
    seen: dict[str, list[int]] = {user: [] for user in STREAM_USERS}
    streams: dict[str, EventStream] = {}
    readers = [asyncio.create_task(_hold_stream(base, user, start, seen[user], streams))
               for user in STREAM_USERS]
    await asyncio.to_thread(wait_for, lambda: len(streams) == len(STREAM_USERS) and all(
        s.connects for s in streams.values()), 30, 0.05, "every desk's stream to connect")
    drivers += [_driver(base, customer, marker, n * ORDERS_PER_DRIVER, tmp_path) for n in range(DRIVERS)]
    changed: list[float] = []
    retried: list[int] = []
    stop = asyncio.Event()
    writers = [asyncio.create_task(_change_states(base, agent, changed, retried, stop))
               for agent in STATE_AGENTS]
    total_orders = DRIVERS * ORDERS_PER_DRIVER

    async def landed(share: float, what: str) -> tuple[int, int]:
        await asyncio.to_thread(
            wait_for, lambda: len(_orders(conninfo, marker)) >= total_orders * share
            and len(changed) >= MIN_CHANGES * share, 40, 0.05, what)
        return len(_orders(conninfo, marker)), len(changed)

    # Under load: a server process of this host dies (the busier one, so streams are cut)...
    first = await landed(1 / 3, "a third of the work")
    busiest = max(("a0", "a1"), key=balancer.sessions)
    victim = servers[busiest].proc
    assert victim is not None
    killed_at = time.monotonic()
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    await asyncio.to_thread(wait_for, lambda: busiest not in balancer.up(), 10, 0.05,
                            "HAProxy to take the killed server out")
    process_out_s = time.monotonic() - killed_at
    # ...then the other host goes, wire first: what it held open hears nothing, HAProxy's checks find out.
    second = await landed(2 / 3, "two thirds of the work")
    cut_sessions = balancer.sessions("b0")
    killed_at = time.monotonic()
    host.kill()
    await asyncio.to_thread(wait_for, lambda: "b0" not in balancer.up(), 10, 0.05,
                            "HAProxy to take the lost host out")
    host_out_s = time.monotonic() - killed_at

    for driver in drivers:
        await asyncio.to_thread(driver.until, "drained", 60)
    drained_s = time.monotonic() - killed_at
    stop.set()
    await asyncio.gather(*writers)
    assert len(changed) >= MIN_CHANGES

    found = Counter(_orders(conninfo, marker))
    wanted = {description(marker, i) for i in range(total_orders)}
    assert set(found) == wanted, f"missing {sorted(wanted - set(found))[:5]}"
    assert max(found.values()) == 1, f"doubled: {[d for d, n in found.items() if n > 1][:5]}"

    # Every event written while the work ran reaches every stream that may see it...
    rows = _events(conninfo, start)
    written = {user: [row[0] for row in rows if may_see(row[1], row[2], user, role)]
               for user, role in STREAM_USERS.items()}
    # Every state change reaches the supervisors; an agent's stream carries only its own state and what
    # everyone sees (the orders), so 5,000 desks do not each get every agent's changes.
    assert len(written["sup01"]) >= len(changed)
    assert all(written[user] for user in STREAM_USERS)
    await asyncio.to_thread(wait_for, lambda: all(
        seen[user] and seen[user][-1] >= written[user][-1] for user in STREAM_USERS), 30, 0.05,
        "every stream to catch up")
    # ...and each stream holds exactly the table's events for it, in order, up to the last it got
    # (the server goes on recording, e.g. order alerts for supervisors, so read the table again).
    final = _events(conninfo, start)
    late = [row for row in final if row[0] > rows[-1][0]]
    for user, role in STREAM_USERS.items():
        last = seen[user][-1]
        expected = [row[0] for row in final if row[0] <= last and may_see(row[1], row[2], user, role)]
        got = Counter(seen[user])
        assert seen[user] == expected, (
            f"{user}: missing {sorted(set(expected) - set(got))[:10]}, doubled "
            f"{[i for i, n in got.items() if n > 1][:10]}, "
            f"not in the table {sorted(set(got) - set(expected))[:10]}")
    reconnects = sum(stream.connects - 1 for stream in streams.values())
    print(f"killed {busiest} after {first[0]} orders and {first[1]} state changes, host b "
          f"({cut_sessions} sessions) after {second[0]} and {second[1]}; {reconnects} stream "
          f"reconnect(s); {len(retried)} state write(s) sent again; {len(changed)} changes, "
          f"{len(rows)} events (+{len(late)} later: {sorted({row[3] for row in late})}); "
          f"out of HAProxy after {process_out_s:.2f} s and {host_out_s:.2f} s; "
          f"slowest state change {max(changed):.2f} s; orders all in {drained_s:.1f} s after the host went")
    assert reconnects >= 2, "streams were not cut by both failures"
    assert balancer.up() == {"a1" if busiest == "a0" else "a0"}
    for stream in streams.values():
        stream.close()
    for reader in readers:
        reader.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    return busiest
