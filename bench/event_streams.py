"""Many open `/v1/events` streams on one server process: memory per stream, event → delivered-to-all.

A contact centre of 5,000 desks holds 5,000 event streams and changes agent state ~1,000 times a
second at peaks. This benchmark opens `--streams` streams from a light client (raw asyncio sockets,
loopback only) in a process of its own, then writes `--rate` events a second for `--seconds` straight
into the events table (as the other server processes of a deployment would: this one only fans out),
and counts, for every event, when the last stream that may see it received it.

- backend postgresql (default): the writer commits each 10 ms batch with `pg_notify`, so the server
  wakes through LISTEN at once; sqlite: the server finds the rows by polling (`--poll`, seconds).
- mix `desk` (default): half the events are for supervisors only (as wallboard rows are), half are
  targeted at one agent (as commands and an agent's own state are); `broadcast`: every event goes to
  every stream (as `agent_state` is recorded today).
- streams: one in 50 is a supervisor's (sup01), the others are agents `a0001`…`a1000` in turn.

Latency counts from each event's scheduled time (no coordinated omission). Memory per stream is the
server's RSS after the streams connected minus before, divided by the streams. Lost events (expected
deliveries that never came) and duplicates are counted; a stream the server ends early reconnects with
Last-Event-ID as a desk does. Needs `ulimit -n` of at least streams + 200 in both processes: each
raises its own soft limit to the hard one (`resource.setrlimit`).

    .venv/bin/python -m bench.event_streams [--streams 5000] [--seconds 20] [--rate 1000]
        [--backend postgresql|sqlite] [--mix desk|broadcast] [--poll 0.05] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import os
import random
import re
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from bench.backend_lookup import tree_usage
from bench.report import Figure, emit

TARGET_P95_MS = 200.0
SUPERVISOR_EVERY = 50
"""One stream in this many is a supervisor's."""
TICK_S = 0.01
"""The writer commits the events due every tick in one transaction."""
_ID = re.compile(rb"(?m)^id: (\d+)$")
_PAD = "x" * 240
"""Brings an event to about the size of an agent_state event (~400 bytes on the wire)."""


def raise_fd_limit(need: int) -> int:
    """Raise this process's soft limit of open files towards `need` (up to the hard limit); the new one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = need if hard == resource.RLIM_INFINITY else min(max(soft, need), hard)
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main_thread_wait_s(pid: int) -> float:
    """Seconds the process's main thread (the event loop) was runnable but waited for a CPU."""
    return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[1]) / 1e9


def rss_kb(pid: int) -> int:
    """Resident memory of a process (KiB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# ---- the stream client (its own process) ----------------------------------------------------------


@dataclass
class Tally:
    """What the client saw: per event id, deliveries and the time of the last one."""

    counts: dict[int, int] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)
    ready: int = 0
    reconnects: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


class StreamReader(asyncio.Protocol):
    """One `GET /v1/events` connection: counts the ids of complete lines; reconnects if ended early."""

    def __init__(self, client: Client, token: str, last_id: int | None) -> None:
        self.client = client
        self.token = token
        self.last_id = last_id
        self.tail = b""
        self.answered = False
        self.connected = False
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        resume = f"Last-Event-ID: {self.last_id}\r\n" if self.last_id is not None else ""
        self.transport.write(f"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n"
                             f"{resume}\r\n".encode())

    def data_received(self, data: bytes) -> None:
        buffer = self.tail + data
        cut = buffer.rfind(b"\n")
        if cut < 0:
            self.tail = buffer
            return
        complete, self.tail = buffer[: cut + 1], buffer[cut + 1 :]
        tally = self.client.tally
        if not self.connected:
            if not self.answered:
                self.answered = True
                if not complete.startswith(b"HTTP/1.1 200"):
                    tally.errors.append(complete[:80].decode(errors="replace"))
                    if not self.opened.done():
                        self.opened.set_result(None)
                    return
            if b": connected after" in complete:
                self.connected = True
                if not self.opened.done():
                    self.opened.set_result(None)
        now = time.monotonic()
        for found in _ID.findall(complete):
            event_id = int(found)
            if self.last_id is not None and event_id <= self.last_id:
                tally.duplicates += 1
                continue
            self.last_id = event_id
            tally.counts[event_id] = tally.counts.get(event_id, 0) + 1
            tally.last[event_id] = now

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_result(None)
        if not self.client.closing:
            self.client.tally.reconnects += 1
            self.client.reopen(self)


class Client:
    """Opens the streams and keeps them open until told to stop."""

    def __init__(self, base: str, tokens: list[str]) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.tokens = tokens
        self.tally = Tally()
        self.closing = False
        self.streams: list[StreamReader] = []

    async def open(self, token: str, last_id: int | None = None) -> StreamReader:
        loop = asyncio.get_running_loop()
        stream = StreamReader(self, token, last_id)
        await loop.create_connection(lambda: stream, self.host, self.port)
        await asyncio.wait_for(stream.opened, 60)
        return stream

    def reopen(self, old: StreamReader) -> None:
        async def again() -> None:
            await asyncio.sleep(0.1)
            try:
                self.streams.append(await self.open(old.token, old.last_id))
            except (OSError, TimeoutError) as exc:
                self.tally.errors.append(f"reconnect: {exc!r}")

        asyncio.get_running_loop().create_task(again())

    async def open_all(self, at_once: int = 100) -> None:
        for start in range(0, len(self.tokens), at_once):
            batch = self.tokens[start : start + at_once]
            self.streams += await asyncio.gather(*(self.open(token) for token in batch))
        self.tally.ready = sum(1 for s in self.streams if s.connected)

    def close(self) -> None:
        self.closing = True
        for stream in self.streams:
            if stream.transport is not None:
                stream.transport.close()


async def client_main(config: dict[str, Any]) -> dict[str, Any]:
    """Open the streams, say `ready`, count until stdin says `stop`, answer the tally."""
    client = Client(config["base"], config["tokens"])
    await client.open_all()
    print(json.dumps({"ready": client.tally.ready, "errors": client.tally.errors[:5]}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    client.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    tally = client.tally
    return {"counts": tally.counts, "last": tally.last, "ready": tally.ready, "reconnects": tally.reconnects,
            "duplicates": tally.duplicates, "errors": tally.errors[:10],
            "cpu_s": usage.ru_utime + usage.ru_stime}


def run_client() -> int:
    """`--client`: the configuration comes as one JSON line on stdin."""
    config = json.loads(sys.stdin.readline())
    raise_fd_limit(len(config["tokens"]) + 200)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(client_main(config))), flush=True)
    return 0


# ---- the event writer -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One event to write: when it is due, and who it is for."""

    due: float
    target: str | None
    audience: str | None


def plan(rate: float, seconds: float, mix: str, start: float, seed: int = 16) -> list[Planned]:
    """The events of the run, on schedule."""
    rng = random.Random(seed)
    out = []
    for index in range(int(rate * seconds)):
        due = start + index / rate
        if mix == "broadcast":
            out.append(Planned(due, None, None))
        elif index % 2:
            out.append(Planned(due, f"a{rng.randint(1, 1000):04d}", None))
        else:
            out.append(Planned(due, None, "supervisor"))
    return out


def recipients(event: Planned, streams: list[tuple[str, str]]) -> int:
    """How many of the streams (username, role) may see `event` (the benchmark's own oracle)."""
    return sum(1 for user, role in streams
               if (event.target is None or event.target == user)
               and (event.audience is None or event.audience == role))


class Writer:
    """Writes due events in one transaction per tick; answers (id, due) of each."""

    def __init__(self, url: str) -> None:
        self.postgres = url.startswith("postgresql")
        if self.postgres:
            import psycopg

            self.pg = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=False)
        else:
            self.lite = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30, isolation_level=None)

    def write(self, batch: list[Planned]) -> list[int]:
        at = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        rows = [(e.target, e.audience, json.dumps({"username": e.target or "a0001", "pad": _PAD}))
                for e in batch]
        if self.postgres:
            with self.pg.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (0x61677476,))  # as broker.record does
                # One statement a batch; ids come from the sequence in the order of the rows.
                cur.execute("INSERT INTO events (kind, at, target, audience, data) SELECT 'agent_state', "
                            "now(), t, a, d::json FROM unnest(%s::text[], %s::text[], %s::text[]) "
                            "WITH ORDINALITY AS u(t, a, d, n) ORDER BY n RETURNING id",
                            ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]))
                ids = sorted(int(found[0]) for found in cur.fetchall())
                cur.execute("SELECT pg_notify('agent_tui_events', '')")
            self.pg.commit()
            return ids
        self.lite.execute("BEGIN IMMEDIATE")
        ids = [int(self.lite.execute(
            "INSERT INTO events (kind, at, target, audience, data) VALUES ('agent_state', ?, ?, ?, ?) "
            "RETURNING id", (at, target, audience, data)).fetchone()[0]) for target, audience, data in rows]
        self.lite.execute("COMMIT")
        return ids

    def close(self) -> None:
        if self.postgres:
            self.pg.close()
        else:
            self.lite.close()


def write_on_schedule(writer: Writer, events: list[Planned]) -> dict[int, tuple[Planned, float]]:
    """Write every event when due (late ones at once, in the next batch); id → (event, committed at)."""
    written: dict[int, tuple[Planned, float]] = {}
    position = 0
    while position < len(events):
        now = time.monotonic()
        end = position
        while end < len(events) and events[end].due <= now:
            end += 1
        if end == position:
            time.sleep(min(TICK_S, events[position].due - now))
            continue
        batch = events[position:end]
        ids = writer.write(batch)
        committed = time.monotonic()
        written.update((i, (event, committed)) for i, event in zip(ids, batch, strict=True))
        position = end
    return written


# ---- the run --------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(folder: Path, backend: str) -> Iterator[str]:
    """A fresh database URL (a throwaway PostgreSQL server, or a SQLite file)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'demo.db'}"
        return
    from tests.server.pg import PgServer

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL server binaries not installed")
    pg = PgServer(initdb=found[-1], postgres=str(Path(found[-1]).with_name("postgres")))
    try:
        pg.start()
        yield pg.url(pg.create_database())
    finally:
        pg.stop()


def stream_users(count: int) -> list[tuple[str, str]]:
    """(username, role) of each stream."""
    return [("sup01", "supervisor") if i % SUPERVISOR_EVERY == 0 else (f"a{i % 1000 + 1:04d}", "agent")
            for i in range(count)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """One run: connect the streams, write the events, collect the client's tally."""
    from bench.wallboard import prepare_database
    from tests.server.process import ServerProcess

    fd_limit = raise_fd_limit(args.streams + 200)  # inherited by the server process
    with tempfile.TemporaryDirectory(prefix="bench-streams-") as tmp, \
            database(Path(tmp), args.backend) as url:
        folder = Path(tmp)
        tokens = prepare_database(folder, url)
        server = ServerProcess(url, folder, settings={"event_poll_s": args.poll, "keepalive_s": 15.0})
        client: subprocess.Popen[str] | None = None
        try:
            server.start()
            assert server.proc is not None
            tokens["sup01"] = server.login("sup01")["Authorization"].removeprefix("Bearer ")
            users = stream_users(args.streams)
            rss_before = rss_kb(server.proc.pid)
            client = subprocess.Popen(
                [sys.executable, "-m", "bench.event_streams", "--client"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
            )
            assert client.stdin is not None
            assert client.stdout is not None
            client.stdin.write(json.dumps({"base": server.base,
                                           "tokens": [tokens[user] for user, _ in users]}) + "\n")
            client.stdin.flush()
            opened = json.loads(client.stdout.readline())
            rss_after = rss_kb(server.proc.pid)
            events = plan(args.rate, args.seconds, args.mix, time.monotonic() + 0.5)
            writer = Writer(url)
            cpu0, load0 = tree_usage(server.proc.pid), os.getloadavg()[0]
            client0, wait0 = tree_usage(client.pid), main_thread_wait_s(server.proc.pid)
            started = events[0].due if events else time.monotonic()
            try:
                written = write_on_schedule(writer, events)
            finally:
                writer.close()
            wrote_s = time.monotonic() - started
            time.sleep(args.drain)  # the last events reach the streams
            used = tree_usage(server.proc.pid) - cpu0
            waited = main_thread_wait_s(server.proc.pid) - wait0
            client_used = tree_usage(client.pid) - client0
            client.stdin.write("stop\n")
            client.stdin.flush()
            tally = json.loads(client.stdout.readline())
            client.wait(timeout=30)
        finally:
            if client is not None and client.poll() is None:
                client.kill()
                client.wait(timeout=10)
            server.stop()
    counts = {int(k): v for k, v in tally["counts"].items()}
    last = {int(k): v for k, v in tally["last"].items()}
    expected = lost = 0
    latencies, from_commit, writer_lag = [], [], []
    by_second: dict[int, list[float]] = {}
    begin = min((event.due for event, _ in written.values()), default=0.0)
    for event_id, (event, committed) in written.items():
        want = recipients(event, users)
        expected += want
        got = counts.get(event_id, 0)
        lost += max(want - got, 0)
        writer_lag.append((committed - event.due) * 1000)
        if want and got >= want:
            latencies.append((last[event_id] - event.due) * 1000)
            from_commit.append((last[event_id] - committed) * 1000)
            by_second.setdefault(int(event.due - begin), []).append(latencies[-1])
    return {
        "opened": opened["ready"], "open_errors": opened["errors"], "rss_before_kb": rss_before,
        "rss_after_kb": rss_after, "events": len(written), "rate": len(written) / wrote_s,
        "expected": expected, "lost": lost, "duplicates": tally["duplicates"],
        "reconnects": tally["reconnects"], "errors": tally["errors"], "latencies": latencies,
        "p95_from_commit_ms": round(percentile(from_commit, 0.95), 1),
        "writer_lag_p95_ms": round(percentile(writer_lag, 0.95), 1),
        "p95_by_second_ms": [round(percentile(v, 0.95)) for _, v in sorted(by_second.items())],
        "server_cpu_share": used.cpu_s / (wrote_s + args.drain),
        # Time the processes were ready to run but waited for a CPU: the shared machine's share.
        "server_loop_wait_share": round(waited / (wrote_s + args.drain), 3),
        "client_wait_share": round(client_used.wait_s / (wrote_s + args.drain), 3),
        "client_cpu_share": round(client_used.cpu_s / (wrote_s + args.drain), 3),
        "load_avg": round(load0, 2), "fd_limit": fd_limit,
    }


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(prog="bench.event_streams", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long events are written")
    parser.add_argument("--rate", type=float, default=1000.0, help="events written per second")
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--mix", choices=["desk", "broadcast"], default="desk")
    parser.add_argument("--poll", type=float, default=2.0,
                        help="the server's event_poll_s (sqlite finds the rows only by polling)")
    parser.add_argument("--drain", type=float, default=5.0, help="seconds to wait for the last deliveries")
    parser.add_argument("--quick", action="store_true", help="200 streams, 100 events/s for 3 s (smoke test)")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        return run_client()
    if args.quick:
        args.streams, args.seconds, args.rate, args.drain = 200, 3.0, 100.0, 3.0
    if args.backend == "sqlite" and args.poll >= 1.0:
        args.poll = 0.05
    result = measure(args)
    latencies = result.pop("latencies")
    p95 = percentile(latencies, 0.95)
    per_stream = (result["rss_after_kb"] - result["rss_before_kb"]) / max(result["opened"], 1)
    complete = result["lost"] == 0 and result["opened"] == args.streams
    figures = [
        Figure("streams open", result["opened"], "streams", f"= {args.streams}",
               result["opened"] == args.streams),
        Figure("server memory per stream", round(per_stream, 1), "KiB"),
        Figure(f"event → delivered to all p95 ({args.rate:.0f}/s, {args.mix})", round(p95, 1), "ms",
               f"<= {TARGET_P95_MS:.0f} ms", p95 <= TARGET_P95_MS and complete),
        Figure("event → delivered to all p50", round(percentile(latencies, 0.5), 1), "ms"),
        Figure("deliveries lost", result["lost"], "", "= 0", result["lost"] == 0),
        Figure("server CPU while writing", round(result["server_cpu_share"] * 100, 1), "% of a core"),
    ]
    emit("event_streams", figures, streams=args.streams, seconds=args.seconds, backend=args.backend,
         mix=args.mix, median_ms=round(statistics.median(latencies), 1) if latencies else None, **result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
