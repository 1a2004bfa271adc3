"""Agent state changes the real backend accepts per second, with a supervisor's SSE stream open.

Issue 16 asks one server process for 1,000 state changes a second (a 5,000-seat centre at its peak) with
p95 <= 50 ms at that rate, on SQLite and on PostgreSQL; this measures the backend alone. The database
holds the demo data plus 1,000 agents (`a0001`…`a1000`, as `bench.wallboard` makes them, each with its
own token); `agent-tui server --workers W` runs in its own process and sup01 reads `GET /v1/events` the
whole time, as the wallboard does. Each agent sets their own state (`PUT /v1/agents/{username}/state`,
random states, call fields on call states) over keep-alive connections that cost the client ~50 µs a
request (httpx would spend ~1.5 ms, most of a 2-core machine at this rate). Two phases per round,
repeated (`--repeat`) because the machine is shared:

- capacity: C connections in a closed loop (each sends its next change when the last was answered);
  changes/s is what the server sustains. Target >= 1,000/s.
- latency at 1,000/s: changes sent on a schedule whatever the answers do, each latency counted from its
  scheduled time (no coordinated omission). Target p95 <= 50 ms.

Also: the server's CPU per change and the events the supervisor's stream delivered.

    .venv/bin/python -m bench.agent_state_rate [--seconds S] [--concurrency C] [--rate R] [--workers W]
        [--repeat K] [--backend sqlite|postgresql] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
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

from bench._raw_http import Connection, Pool
from bench.backend_lookup import tree_usage
from bench.report import Figure, emit
from bench.wallboard import AGENTS, prepare_database, set_all_ready
from tests.server.pg import PgServer
from tests.server.process import ServerProcess, SseClient

TARGET_RATE = 1000.0
TARGET_P95_MS = 50.0
STATES = (("ready", None), ("not_ready", "break"), ("on_call", None), ("acw", None), ("ringing", None))


def body(rng: random.Random, n: int) -> bytes:
    """A random state change, with call fields on the call states (as the wallboard bench sends)."""
    state, reason = rng.choice(STATES)
    data: dict[str, object] = {"state": state, "reason": reason}
    if state in ("on_call", "ringing", "acw"):
        data.update(call_id=f"r{n}", call_number=f"1380000{n % 10000:04d}", queue="95598-repair")
    return json.dumps(data).encode()


@dataclass
class Load:
    """What one phase sent: latencies (s) of accepted changes, and how many failed."""

    latencies: list[float]
    failed: int = 0


class Changes:
    """An endless supply of (path, token, body) for random bench agents."""

    def __init__(self, tokens: dict[str, str], seed: int) -> None:
        self.tokens = tokens
        self.rng = random.Random(seed)
        self.n = 0

    def next(self) -> tuple[str, str, bytes]:
        self.n += 1
        username = f"a{self.rng.randint(1, AGENTS):04d}"
        return f"/v1/agents/{username}/state", self.tokens[username], body(self.rng, self.n)


async def closed_loop(base: str, changes: Changes, seconds: float, concurrency: int) -> Load:
    """`concurrency` connections, each sending its next change when the last was answered."""
    load = Load([])
    end = time.perf_counter() + seconds

    async def worker() -> None:
        conn = await Connection.open(base)
        try:
            while (started := time.perf_counter()) < end:
                path, token, payload = changes.next()
                status, _ = await conn.request("PUT", path, token, payload)
                if status == 200:
                    load.latencies.append(time.perf_counter() - started)
                else:
                    load.failed += 1
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return load


async def open_loop(base: str, changes: Changes, seconds: float, rate: float, connections: int) -> Load:
    """Changes at `rate`/s on schedule; each latency counts from its scheduled time."""
    loop = asyncio.get_running_loop()
    load = Load([])

    async def one(pool: Pool, change: tuple[str, str, bytes], due: float) -> None:
        status = await pool.request("PUT", *change)
        if status == 200:
            load.latencies.append(loop.time() - due)
        else:
            load.failed += 1

    tasks: list[asyncio.Task[None]] = []
    async with Pool(base, connections) as pool:
        start = loop.time() + 0.05
        for index in range(int(seconds * rate)):
            due = start + index / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(loop.create_task(one(pool, changes.next(), due)))
        await asyncio.gather(*tasks)
    return load


@dataclass(frozen=True)
class Round:
    """One phase's throughput, latency and the server's CPU per change."""

    rate: float
    p50_ms: float
    p95_ms: float
    failed: int
    server_us: float


def timed(run: Callable[[], Coroutine[Any, Any, Load]], server_pid: int) -> Round:
    """Run one phase; its accepted changes per second, latencies and the server's CPU per change."""
    server0 = tree_usage(server_pid)
    started = time.perf_counter()
    load = asyncio.run(run())
    elapsed = time.perf_counter() - started
    server = tree_usage(server_pid) - server0
    latencies = sorted(load.latencies) or [float("nan")]
    count = len(load.latencies)
    return Round(
        rate=count / elapsed, p50_ms=statistics.median(latencies) * 1000,
        p95_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000,
        failed=load.failed, server_us=server.cpu_s / max(count, 1) * 1e6,
    )


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(prog="bench.agent_state_rate", description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each phase")
    parser.add_argument("--concurrency", type=int, default=16, help="connections of the capacity phase")
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="changes/s of the latency phase")
    parser.add_argument("--connections", type=int, default=32, help="connections of the latency phase")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="one round of 3 s phases (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.repeat = 3.0, 1
    with tempfile.TemporaryDirectory(prefix="bench-state-rate-") as tmp, contextlib.ExitStack() as stack:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'demo.db'}"
        if args.backend == "postgresql":
            found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
            if not found:
                raise SystemExit("PostgreSQL server binaries not installed")
            pg = PgServer(initdb=found[-1], postgres=str(Path(found[-1]).with_name("postgres")))
            stack.callback(pg.stop)
            pg.start()
            url = pg.url(pg.create_database())
        tokens = prepare_database(folder, url)
        server = ServerProcess(url, folder, workers=args.workers)
        capacity: list[Round] = []
        scheduled: list[Round] = []
        loads = [os.getloadavg()[0]]
        try:
            server.start()
            assert server.proc is not None
            asyncio.run(set_all_ready(server.base, tokens))
            stream = SseClient(server.base, server.login("sup01"))
            try:
                stream.comment("connected", 30)
                changes = Changes(tokens, 200)
                timed(lambda: closed_loop(server.base, changes, 2.0, args.concurrency), server.proc.pid)
                for _ in range(args.repeat):
                    capacity.append(timed(lambda: closed_loop(server.base, changes, args.seconds,
                                                              args.concurrency), server.proc.pid))
                    scheduled.append(timed(lambda: open_loop(server.base, changes, args.seconds, args.rate,
                                                             args.connections), server.proc.pid))
                    loads.append(os.getloadavg()[0])
            finally:
                stream.close()
            kinds: dict[str, int] = {}
            while not stream.messages.empty():
                message = stream.messages.get_nowait()
                if message is not None and not isinstance(message, Exception) and message.event:
                    kinds[message.event] = kinds.get(message.event, 0) + 1
        finally:
            server.stop()
    best = max(r.rate for r in capacity)
    failed = sum(r.failed for r in capacity + scheduled)
    figures = [
        Figure(f"state changes/s, best of {args.repeat}", round(best, 1), "1/s",
               f">= {TARGET_RATE:.0f}", best >= TARGET_RATE and failed == 0),
        Figure("state changes/s, median", round(statistics.median(r.rate for r in capacity), 1), "1/s"),
        Figure("server CPU per change, median", round(statistics.median(r.server_us for r in capacity)),
               "µs"),
        Figure(f"p95 at {args.rate:.0f}/s, best of {args.repeat}",
               round(min(r.p95_ms for r in scheduled), 1), "ms", f"<= {TARGET_P95_MS:.0f}",
               min(r.p95_ms for r in scheduled) <= TARGET_P95_MS),
    ]
    emit("agent_state_rate", figures, backend=args.backend, workers=args.workers,
         concurrency=args.concurrency, seconds=args.seconds, failed=failed, events=kinds,
         load_avg=[round(x, 2) for x in loads],
         capacity=[round(r.rate, 1) for r in capacity],
         p50_at_rate=[round(r.p50_ms, 1) for r in scheduled])
    return 0


if __name__ == "__main__":
    sys.exit(main())
