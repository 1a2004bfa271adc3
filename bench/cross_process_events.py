"""Events across server processes on one PostgreSQL: delivery p95, and the ceiling of LISTEN/NOTIFY.

A deployment of several server processes (docs/deploy.md) shares one PostgreSQL. An event one
process records must reach the streams every other process holds; each process's fan-out reader
(agent_tui/server/fanout.py) is woken by the `pg_notify` that `broker.record` sends at commit and
reads the new rows once. This benchmark measures two things:

1. Delivery: `--servers` server processes (`agent-tui server`, one worker each, `event_poll_s` two
   minutes so only NOTIFY wakes them), `--streams` event streams spread evenly over them (one light
   client process per server, bench/event_streams.py's), `--rate` events a second written straight
   into the events table with `pg_notify` (as another server process's commit would be), every event
   for every stream (`broadcast`, the worst case). Latency: from each event's scheduled time to its
   arrival on the last stream of the last process. Lost deliveries and duplicates are counted.
2. Ceiling: `--writers` connections commit one event per transaction as fast as they can, as
   `broker.record` does (advisory lock, INSERT, `pg_notify`), for `--ceiling-seconds`; then the same
   without `pg_notify`. One LISTEN connection counts the notifications it receives. If commits with
   NOTIFY are far below those without, NOTIFY is the limit; if they are close, the events table's
   ordering lock is, and another broker (NATS, Redis) would not help.

    .venv/bin/python -m bench.cross_process_events [--servers 3] [--streams 300] [--rate 200]
        [--seconds 10] [--writers 4] [--ceiling-seconds 5] [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.event_streams import (
    Writer,
    percentile,
    plan,
    raise_fd_limit,
    write_on_schedule,
)
from bench.report import Figure, emit

TARGET_P95_MS = 200.0
_LOCK = 0x61677476
"""The events table's ordering lock (agent_tui/server/broker.py)."""
ROOT = Path(__file__).resolve().parents[1]


def _client(base: str, tokens: list[str]) -> subprocess.Popen[str]:
    """One light stream client (bench/event_streams.py `--client`) holding `tokens`' streams on `base`."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.event_streams", "--client"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdin is not None
    proc.stdin.write(json.dumps({"base": base, "tokens": tokens}) + "\n")
    proc.stdin.flush()
    return proc


def delivery(url: str, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Part 1: servers, streams, events on schedule; the tally of every client."""
    from bench.wallboard import prepare_database
    from tests.server.process import ServerProcess

    raise_fd_limit(args.streams + 200)
    tokens = prepare_database(folder, url)
    agents = sorted(user for user in tokens if user.startswith("a"))
    settings = {"event_poll_s": 120.0, "keepalive_s": 15.0}
    servers = [ServerProcess(url, folder, settings=settings) for _ in range(args.servers)]
    clients: list[subprocess.Popen[str]] = []
    try:
        for server in servers:
            server.start()
        per_server = args.streams // args.servers
        for index, server in enumerate(servers):
            mine = [tokens[agents[(index * per_server + i) % len(agents)]] for i in range(per_server)]
            clients.append(_client(server.base, mine))
        opened = 0
        for proc in clients:
            assert proc.stdout is not None
            opened += json.loads(proc.stdout.readline())["ready"]
        events = plan(args.rate, args.seconds, "broadcast", time.monotonic() + 0.5)
        writer = Writer(url)
        try:
            written = write_on_schedule(writer, events)
        finally:
            writer.close()
        time.sleep(args.drain)  # the last events reach the streams
        tallies = []
        for proc in clients:
            assert proc.stdin is not None
            assert proc.stdout is not None
            proc.stdin.write("stop\n")
            proc.stdin.flush()
            tallies.append(json.loads(proc.stdout.readline()))
            proc.wait(timeout=30)
    finally:
        for proc in clients:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        for server in servers:
            server.stop()
    streams = per_server * args.servers
    latencies, from_commit = [], []
    lost = duplicates = reconnects = 0
    for tally in tallies:
        duplicates += tally["duplicates"]
        reconnects += tally["reconnects"]
    for event_id, (event, committed) in written.items():
        got = sum(tally["counts"].get(str(event_id), 0) for tally in tallies)
        lost += max(streams - got, 0)
        arrivals = [tally["last"][str(event_id)] for tally in tallies if str(event_id) in tally["last"]]
        if got >= streams and arrivals:
            latencies.append((max(arrivals) - event.due) * 1000)
            from_commit.append((max(arrivals) - committed) * 1000)
    return {"opened": opened, "streams": streams, "events": len(written), "lost": lost,
            "duplicates": duplicates, "reconnects": reconnects, "latencies": latencies,
            "p95_from_commit_ms": round(percentile(from_commit, 0.95), 1)}


def ceiling(conninfo: str, writers: int, seconds: float, notify: bool) -> dict[str, float]:
    """Part 2: one-event transactions a second from `writers` connections, with or without NOTIFY."""
    import psycopg

    stop = threading.Event()
    commits = [0] * writers
    heard = [0]

    def write(slot: int) -> None:
        with psycopg.connect(conninfo) as conn:
            while not stop.is_set():
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
                    conn.execute("INSERT INTO events (kind, at, data) VALUES ('agent_state', now(), "
                                 "'{\"username\": \"a0001\"}')")
                    if notify:
                        conn.execute("SELECT pg_notify('agent_tui_events', '')")
                commits[slot] += 1

    def listen() -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("LISTEN agent_tui_events")
            while not stop.is_set():
                heard[0] += sum(1 for _ in conn.notifies(timeout=0.2))

    threads = [threading.Thread(target=write, args=(slot,)) for slot in range(writers)]
    listener = threading.Thread(target=listen)
    listener.start()
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)  # the measurement window
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    listener.join()
    return {"commits_per_s": sum(commits) / elapsed, "heard_per_s": heard[0] / elapsed}


def main(argv: list[str] | None = None) -> int:
    """Run both parts and print the figures."""
    parser = argparse.ArgumentParser(prog="bench.cross_process_events", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--streams", type=int, default=300, help="in all, spread over the servers")
    parser.add_argument("--rate", type=float, default=200.0, help="events written per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long events are written")
    parser.add_argument("--drain", type=float, default=3.0, help="seconds to wait for the last deliveries")
    parser.add_argument("--writers", type=int, default=4, help="connections of the ceiling test")
    parser.add_argument("--ceiling-seconds", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="2 servers, 60 streams, 50 events/s for 3 s")
    args = parser.parse_args(argv)
    if args.quick:
        args.servers, args.streams, args.rate, args.seconds = 2, 60, 50.0, 3.0
        args.drain, args.ceiling_seconds = 2.0, 2.0
    from bench.event_streams import database

    with tempfile.TemporaryDirectory(prefix="bench-cross-") as tmp, database(Path(tmp), "postgresql") as url:
        result = delivery(url, Path(tmp), args)
        conninfo = url.replace("postgresql+psycopg", "postgresql")
        with_notify = ceiling(conninfo, args.writers, args.ceiling_seconds, notify=True)
        without = ceiling(conninfo, args.writers, args.ceiling_seconds, notify=False)
    latencies = result.pop("latencies")
    p95 = percentile(latencies, 0.95)
    complete = result["lost"] == 0 and result["duplicates"] == 0 and result["opened"] == result["streams"]
    figures = [
        Figure(f"cross-process event → all streams p95 ({args.servers} servers, {result['streams']} streams, "
               f"{args.rate:.0f}/s)", round(p95, 1), "ms", f"<= {TARGET_P95_MS:.0f} ms",
               p95 <= TARGET_P95_MS and complete),
        Figure("cross-process event → all streams p50", round(percentile(latencies, 0.5), 1), "ms"),
        Figure("cross-process deliveries lost or doubled", result["lost"] + result["duplicates"], "", "= 0",
               result["lost"] + result["duplicates"] == 0),
        Figure(f"event commits/s with pg_notify ({args.writers} connections)",
               round(with_notify["commits_per_s"]), "/s"),
        Figure("event commits/s without pg_notify", round(without["commits_per_s"]), "/s"),
        Figure("notifications heard/s by one listener", round(with_notify["heard_per_s"]), "/s"),
    ]
    emit("cross_process_events", figures, servers=args.servers, rate=args.rate, seconds=args.seconds,
         median_ms=round(percentile(latencies, 0.5), 1) if latencies else None, **result,
         ceiling_with_notify=with_notify, ceiling_without_notify=without)
    return 0


if __name__ == "__main__":
    sys.exit(main())
