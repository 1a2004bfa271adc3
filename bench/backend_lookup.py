"""Screen-pop lookup by phone through the real server over loopback HTTP, on SQLite and PostgreSQL.

10,000 customers (the demo data plus generated ones); `GET /v1/customers/lookup?phone=` for random
customers' numbers, through `agent-tui server --workers W` in its own process. Two measurements per
round, each round repeated (`--repeat`) because the machine is shared:

- capacity: a closed loop of C keep-alive connections, each sending its next request when the last
  answer arrived; lookups/s is what the server sustains (its latency is mostly the client's own queue).
- latency at the target rate: an open loop sending 1,000 lookups/s on a schedule whatever the answers
  do; each latency counts from the request's scheduled time, so a stalled server is not hidden by a
  client that waits for it ("coordinated omission").

Targets (issue 16) on a 2-core machine: >= 5,000 lookups/s closed loop, and p99 <= 20 ms at 1,000/s on
schedule. Ordinary lookups take the server's fast lane (agent_tui/server/fastlane.py): one token, one
`phone` parameter, as a desk sends them. Prints one JSON object (bench/report.py)
with the best and median rounds, the CPU the server (and PostgreSQL) spent per lookup, the client's
share of the machine, and the load average around the run.

    .venv/bin/python -m bench.backend_lookup [--requests N] [--concurrency C] [--rate R] [--workers W]
        [--repeat K] [--client raw|httpx] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from agent_tui.domain.base import utc_now
from agent_tui.server import migrate
from agent_tui.server.db import Database
from agent_tui.server.models import CustomerRow
from agent_tui.server.seed.demo import CUSTOMERS, insert_customers, seed_demo
from agent_tui.server.seed.people import customer_rows
from bench.report import Figure, emit
from tests.server.pg import PgServer
from tests.server.process import ServerProcess

TOTAL_CUSTOMERS = 10_000
TARGET_RATE = 1000.0
"""The open loop's rate: the p99 target holds at this rate."""
TARGET_CAPACITY = 5000.0
"""Lookups/s the closed loop should reach."""
TARGET_P99_MS = 20.0


def fill(url: str) -> list[str]:
    """Migrate, seed the demo data and top up to 10,000 customers; answer every phone number."""
    db = Database(url)
    try:
        migrate.upgrade(db)
        seed_demo(db)
        rows = customer_rows(TOTAL_CUSTOMERS - CUSTOMERS, random.Random(7), utc_now(),
                             first_index=CUSTOMERS + 1)
        # The generator keeps its numbers unique within one call only: skip clashes with the demo set.
        with db.read() as session:
            taken = {p for phones in session.execute(select(CustomerRow.phones)).scalars() for p in phones}
        rows = [r for r in rows if taken.isdisjoint(r["phones"])]
        with db.write() as session:
            insert_customers(session, rows)
        with db.read() as session:
            return [p for phones in session.execute(select(CustomerRow.phones)).scalars() for p in phones]
    finally:
        db.dispose()


def check(path: str, status: int, body: bytes) -> None:
    """A lookup must answer 200 with a match."""
    if status != 200 or b'"matches":[]' in body:
        raise RuntimeError(f"{path}: {status} {body[:200]!r}")


class Connection:
    """One keep-alive HTTP/1.1 connection doing GETs: ~50 µs of client CPU a request, so the figures
    are the server's (httpx spends ~1.5 ms of CPU a request, which on two cores is most of the machine)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes) -> None:
        self.reader = reader
        self.writer = writer
        self.head = head

    @classmethod
    async def open(cls, base: str, token: str) -> Connection:
        host, port = base.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        return cls(reader, writer, f"Host: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode())

    async def get(self, path: str) -> None:
        self.writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.head)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        check(path, status, await self.reader.readexactly(length))

    def close(self) -> None:
        self.writer.close()


async def closed_loop_raw(base: str, token: str, paths: list[str], concurrency: int) -> list[float]:
    """Latencies (s) of `paths` sent by `concurrency` connections, each waiting for its last answer."""
    latencies: list[float] = []
    queue = iter(paths)
    clock = time.perf_counter

    async def worker() -> None:
        conn = await Connection.open(base, token)
        try:
            for path in queue:
                started = clock()
                await conn.get(path)
                latencies.append(clock() - started)
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def closed_loop_httpx(base: str, token: str, paths: list[str], concurrency: int) -> list[float]:
    """The same through one shared httpx.AsyncClient (to see what a heavy client does to the figures)."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits,
                                 timeout=10) as client:
        queue = iter(paths)

        async def worker() -> None:
            for path in queue:
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                check(path, response.status_code, response.content)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def open_loop(base: str, token: str, paths: list[str], rate: float, connections: int) -> list[float]:
    """Latencies (s) of `paths` sent at `rate` per second on schedule, each from its scheduled time.

    A request whose time has come waits for a free connection (of `connections`); that wait counts.
    """
    loop = asyncio.get_running_loop()
    free: asyncio.Queue[Connection] = asyncio.Queue()
    opened = [await Connection.open(base, token) for _ in range(connections)]
    for conn in opened:
        free.put_nowait(conn)
    latencies: list[float] = []

    async def one(path: str, due: float) -> None:
        conn = await free.get()
        try:
            await conn.get(path)
        finally:
            free.put_nowait(conn)
        latencies.append(loop.time() - due)

    tasks: list[asyncio.Task[None]] = []
    start = loop.time() + 0.05
    try:
        for index, path in enumerate(paths):
            due = start + index / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(loop.create_task(one(path, due)))
        await asyncio.gather(*tasks)
    finally:
        for conn in opened:
            conn.close()
    return latencies


@dataclass(frozen=True)
class Usage:
    """CPU used (s) and time spent runnable but waiting for a CPU (s), from /proc."""

    cpu_s: float
    wait_s: float

    def __sub__(self, other: Usage) -> Usage:
        return Usage(self.cpu_s - other.cpu_s, self.wait_s - other.wait_s)


def tree_usage(pid: int | None) -> Usage:
    """CPU and run-queue wait of a process and its live descendants.

    CPU from `/proc/PID/stat` (it includes threads that have ended); the wait from each live thread's
    `/proc/PID/task/TID/schedstat` (ns on a CPU, ns waiting on a run queue, time slices).
    """
    tick = os.sysconf("SC_CLK_TCK")
    cpu = wait = 0.0
    pending = [pid] if pid else []
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                with contextlib.suppress(OSError):
                    wait += int((task / "schedstat").read_text().split()[1]) / 1e9
                    pending.extend(int(c) for c in (task / "children").read_text().split())
    return Usage(cpu, wait)


def machine_busy_s() -> float:
    """CPU seconds every process on the machine has used (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Round:
    """One measurement: throughput, latency percentiles, where the CPU went."""

    rate: float
    p50_ms: float
    p99_ms: float
    server_us: float
    server_wait_us: float
    db_us: float
    client_share: float
    others_share: float


def timed(run: Callable[[], Coroutine[Any, Any, list[float]]], server_pid: int, db_pid: int | None) -> Round:
    """Run one phase and account for its time and CPU.

    `server_wait_us` is how long, per lookup, the server's threads were ready to run but waited for a
    CPU; `others_share` is the part of the machine that processes other than the server, the database
    and this client used meanwhile (other people's tests on a shared machine).
    """
    cores = os.cpu_count() or 1
    cpu0, busy0 = time.process_time(), machine_busy_s()
    server0, db0 = tree_usage(server_pid), tree_usage(db_pid)
    started = time.perf_counter()
    latencies = asyncio.run(run())
    elapsed = time.perf_counter() - started
    client = time.process_time() - cpu0
    busy = machine_busy_s() - busy0
    server, db = tree_usage(server_pid) - server0, tree_usage(db_pid) - db0
    latencies.sort()
    count = len(latencies)
    return Round(
        rate=count / elapsed,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[min(count - 1, int(count * 0.99))] * 1000,
        server_us=server.cpu_s / count * 1e6,
        server_wait_us=max(0.0, server.wait_s) / count * 1e6,
        db_us=db.cpu_s / count * 1e6,
        client_share=client / elapsed / cores,
        others_share=max(0.0, busy - server.cpu_s - db.cpu_s - client) / elapsed / cores,
    )


def measure(name: str, url: str, workdir: Path, args: argparse.Namespace,
            db_pid: int | None = None) -> tuple[list[Figure], dict[str, Any]]:
    """Fill the database, start the server, warm up, measure `args.repeat` rounds of both phases."""
    phones = fill(url)
    server = ServerProcess(url, workdir, workers=args.workers)
    closed: list[Round] = []
    opened: list[Round] = []
    loads: list[float] = [os.getloadavg()[0]]
    try:
        server.start()
        assert server.proc is not None
        token = server.login("agent01")["Authorization"].split()[1]
        rng = random.Random(11)
        paths = [f"/v1/customers/lookup?phone={rng.choice(phones)}" for _ in range(args.requests)]
        closed_loop = closed_loop_raw if args.client == "raw" else closed_loop_httpx
        asyncio.run(closed_loop(server.base, token, paths[:1000], args.concurrency))  # warm-up
        for _ in range(args.repeat):
            closed.append(timed(lambda: closed_loop(server.base, token, paths, args.concurrency),
                                server.proc.pid, db_pid))
            opened.append(timed(lambda: open_loop(server.base, token, paths, args.rate, args.connections),
                                server.proc.pid, db_pid))
            loads.append(os.getloadavg()[0])
    finally:
        server.stop()
    best_rate = max(r.rate for r in closed)
    best_p99 = min(r.p99_ms for r in opened)
    figures = [
        Figure(f"{name} lookups/s, best of {args.repeat}", round(best_rate, 1), "1/s",
               f">= {TARGET_CAPACITY:.0f}", best_rate >= TARGET_CAPACITY),
        Figure(f"{name} lookups/s, median", round(statistics.median(r.rate for r in closed), 1), "1/s"),
        Figure(f"{name} p50 at {args.rate:.0f}/s, median",
               round(statistics.median(r.p50_ms for r in opened), 2), "ms"),
        Figure(f"{name} p99 at {args.rate:.0f}/s, best of {args.repeat}", round(best_p99, 2), "ms",
               f"<= {TARGET_P99_MS:.0f}", best_p99 <= TARGET_P99_MS),
        Figure(f"{name} p99 at {args.rate:.0f}/s, median",
               round(statistics.median(r.p99_ms for r in opened), 2), "ms"),
        Figure(f"{name} server CPU per lookup, median",
               round(statistics.median(r.server_us for r in closed + opened)), "µs"),
        Figure(f"{name} server wait for a CPU per lookup at {args.rate:.0f}/s, median",
               round(statistics.median(r.server_wait_us for r in opened)), "µs"),
        Figure(f"{name} CPU share of other processes, median",
               round(statistics.median(r.others_share for r in closed + opened), 3), ""),
        Figure(f"{name} client CPU share, median",
               round(statistics.median(r.client_share for r in closed + opened), 3), ""),
    ]
    if db_pid:
        figures.append(Figure(f"{name} PostgreSQL CPU per lookup, median",
                              round(statistics.median(r.db_us for r in closed + opened)), "µs"))
    detail = {
        "closed_loop": [_rounded(r) for r in closed],
        "open_loop": [_rounded(r) for r in opened],
        "load_1min": [round(x, 2) for x in loads],
    }
    return figures, detail


def _rounded(r: Round) -> dict[str, float]:
    return {"rate": round(r.rate, 1), "p50_ms": round(r.p50_ms, 2), "p99_ms": round(r.p99_ms, 2),
            "server_us": round(r.server_us), "server_wait_us": round(r.server_wait_us),
            "db_us": round(r.db_us),
            "client_share": round(r.client_share, 3), "others_share": round(r.others_share, 3)}


def main(argv: list[str]) -> int:
    """Run the benchmark on the backends asked for; print the JSON result."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=6000, help="lookups per phase and round")
    parser.add_argument("--concurrency", type=int, default=16, help="connections of the closed loop")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="lookups/s of the open loop")
    parser.add_argument("--connections", type=int, default=32, help="connections of the open loop")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw",
                        help="closed loop: raw keep-alive HTTP/1.1 connections (default) or httpx")
    args = parser.parse_args(argv)
    figures: list[Figure] = []
    extra: dict[str, Any] = {"customers": TOTAL_CUSTOMERS, "requests": args.requests,
                             "concurrency": args.concurrency, "rate": args.rate,
                             "connections": args.connections,
                             "workers": args.workers, "repeat": args.repeat, "client": args.client,
                             "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-lookup-") as tmp:
        workdir = Path(tmp)
        backends = args.backends.split(",")
        if "sqlite" in backends:
            url = f"sqlite:///{workdir / 'bench.db'}"
            found_figures, extra["sqlite"] = measure("sqlite", url, workdir, args)
            figures += found_figures
        if "postgresql" in backends:
            found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
            if not found:
                extra["postgresql"] = "skipped: PostgreSQL server binaries not installed"
            else:
                pg = PgServer(initdb=found[-1], postgres=str(Path(found[-1]).with_name("postgres")))
                try:
                    pg.start()
                    assert pg.proc is not None
                    found_figures, extra["postgresql"] = measure(
                        "postgresql", pg.url(pg.create_database()), workdir, args, db_pid=pg.proc.pid
                    )
                    figures += found_figures
                finally:
                    pg.stop()
    emit("backend_lookup", figures, **extra)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
