"""Screen-pop lookup by phone through the real server over loopback HTTP, on SQLite and PostgreSQL.

10,000 customers (the demo data plus generated ones); a pool of concurrent async httpx clients asks
`GET /v1/customers/lookup?phone=` for random customers' numbers. Prints throughput and p50/p99 latency
as one JSON object (see bench/report.py). Target on a 2-core machine: >= 1,000 lookups/s, p99 <= 20 ms.

    .venv/bin/python -m bench.backend_lookup [--requests N] [--concurrency C] [--workers W]
        [--client raw|httpx] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import random
import statistics
import sys
import tempfile
import time
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


async def hammer_httpx(base: str, token: str, paths: list[str], concurrency: int) -> list[float]:
    """Latencies (s) of GETs of `paths` by `concurrency` tasks sharing one httpx.AsyncClient."""
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


async def hammer_raw(base: str, token: str, paths: list[str], concurrency: int) -> list[float]:
    """The same over plain keep-alive HTTP/1.1 connections: a client that costs ~50 µs a request, so
    the figures are the server's and not the Python HTTP client's (httpx spends ~1.5 ms of CPU per
    request, which on two cores is most of the machine)."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    queue = iter(paths)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for path in queue:
                started = time.perf_counter()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
                             .encode())
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                body = await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                check(path, status, body)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def check(path: str, status: int, body: bytes) -> None:
    """A lookup must answer 200 with a match."""
    if status != 200 or b'"matches":[]' in body:
        raise RuntimeError(f"{path}: {status} {body[:200]!r}")


def measure(name: str, url: str, workdir: Path, args: argparse.Namespace) -> list[Figure]:
    """Fill the database, start the server, warm up, measure."""
    phones = fill(url)
    server = ServerProcess(url, workdir, workers=args.workers)
    try:
        server.start()
        token = server.login("agent01")["Authorization"].split()[1]
        rng = random.Random(11)
        paths = [f"/v1/customers/lookup?phone={rng.choice(phones)}" for _ in range(args.requests)]
        hammer = hammer_raw if args.client == "raw" else hammer_httpx
        asyncio.run(hammer(server.base, token, paths[:500], args.concurrency))
        started = time.perf_counter()
        latencies = asyncio.run(hammer(server.base, token, paths, args.concurrency))
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    latencies.sort()
    rate = len(latencies) / elapsed
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return [
        Figure(f"{name} lookups/s", round(rate, 1), "1/s", ">= 1000", rate >= 1000),
        Figure(f"{name} p50", round(p50, 2), "ms"),
        Figure(f"{name} p99", round(p99, 2), "ms", "<= 20", p99 <= 20),
    ]


def main(argv: list[str]) -> int:
    """Run the benchmark on the backends asked for; print the JSON result."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw",
                        help="raw: minimal keep-alive HTTP/1.1 client (default); httpx: httpx.AsyncClient")
    args = parser.parse_args(argv)
    figures: list[Figure] = []
    extra: dict[str, Any] = {"customers": TOTAL_CUSTOMERS, "requests": args.requests,
                             "concurrency": args.concurrency, "workers": args.workers, "client": args.client}
    with tempfile.TemporaryDirectory(prefix="bench-lookup-") as tmp:
        workdir = Path(tmp)
        backends = args.backends.split(",")
        if "sqlite" in backends:
            figures += measure("sqlite", f"sqlite:///{workdir / 'bench.db'}", workdir, args)
        if "postgresql" in backends:
            found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
            if not found:
                extra["postgresql"] = "skipped: PostgreSQL server binaries not installed"
            else:
                pg = PgServer(initdb=found[-1], postgres=str(Path(found[-1]).with_name("postgres")))
                try:
                    pg.start()
                    figures += measure("postgresql", pg.url(pg.create_database()), workdir, args)
                finally:
                    pg.stop()
    emit("backend_lookup", figures, **extra)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
