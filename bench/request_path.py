"""The backend's request path in-process: CPU per request of the ASGI app alone, no uvicorn, no sockets.

What the framework costs apart from the transport (bench/backend_lookup.py measures the whole server):
the app from `create_app` on a SQLite file with the demo data plus generated customers (10,000), called
directly with ASGI scopes, each kind of request `--requests` times after a warm-up, CPU time of the
process per request (`time.process_time`, so worker threads count too):

- the screen-pop lookup by phone through the fast lane (agent_tui/server/fastlane.py), and the same
  lookups with the fast lane off (FastAPI's whole path: routing, dependencies, Response);
- a 401 (no token) on the first and on the last included router: the routing walk (route_gates.py);
- `GET /v1/sessions/current`, a sync route (two thread hops a request: the endpoint and FastAPI's
  response validation).

    .venv/bin/python -m bench.request_path [--requests N] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from agent_tui.server import migrate
from agent_tui.server.app import Backend, create_app
from agent_tui.server.db import Database
from agent_tui.server.models import CustomerRow
from agent_tui.server.roles import iter_routes
from agent_tui.server.seed.demo import seed_demo
from agent_tui.server.settings import ServerSettings
from bench.backend_lookup import fill
from bench.report import Figure, emit

Headers = list[tuple[bytes, bytes]]


async def call(app: Backend, method: str, path: str, query: bytes, headers: Headers) -> int:
    """One request through the ASGI app; its status."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query,
             "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("bench", 80),
             "state": {}}
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def cpu_per_request(app: Backend, requests: list[tuple[str, str, bytes]], headers: Headers,
                          expect: int) -> float:
    """µs of CPU per request of `requests` (method, path, query), after a warm-up of 200."""
    for method, path, query in requests[:200]:
        status = await call(app, method, path, query, headers)
        if status != expect:
            raise RuntimeError(f"{method} {path}?{query.decode()}: {status}, expected {expect}")
    started = time.process_time()
    for method, path, query in requests:
        await call(app, method, path, query, headers)
    return (time.process_time() - started) / len(requests) * 1e6


async def measure(url: str, phones: list[str], count: int) -> list[Figure]:
    app = create_app(ServerSettings.from_url(url, seed="demo"))
    assert isinstance(app, Backend)
    figures: list[Figure] = []
    async with app.router.lifespan_context(app):
        token = await login(app)
        auth: Headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
        rng = random.Random(5)
        lookups = [("GET", "/v1/customers/lookup", f"phone={rng.choice(phones)}".encode())
                   for _ in range(count)]
        figures.append(Figure("lookup, fast lane, CPU per request", round(
            await cpu_per_request(app, lookups, auth, 200)), "µs"))
        lane, app.fast_lane = app.fast_lane, None
        try:
            figures.append(Figure("lookup, FastAPI's path, CPU per request", round(
                await cpu_per_request(app, lookups, auth, 200)), "µs"))
        finally:
            app.fast_lane = lane
        plain = sorted({p for m, p in iter_routes(app.routes) if m == "GET" and "{" not in p
                        and p.startswith("/v1/") and p != "/v1/events"}, key=route_order(app))
        for label, path in (("first", plain[0]), ("last", plain[-1])):
            figures.append(Figure(f"401 on the {label} router ({path}), CPU per request", round(
                await cpu_per_request(app, [("GET", path, b"")] * count, [(b"host", b"bench")], 401)), "µs"))
        figures.append(Figure("GET /v1/sessions/current (sync route), CPU per request", round(
            await cpu_per_request(app, [("GET", "/v1/sessions/current", b"")] * (count // 2), auth, 200)),
            "µs"))
    return figures


def route_order(app: Backend) -> Any:
    """Sort key: a path's position in the app's route list (the order routing asks the routers in)."""
    order = {path: index for index, (_method, path) in enumerate(iter_routes(app.routes))}
    return lambda path: order[path]


async def login(app: Backend) -> str:
    """A token of agent01, through the app."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        answer = await client.post("/v1/sessions", json={"username": "agent01", "password": "demo"})
        answer.raise_for_status()
        token: str = answer.json()["token"]
        return token


def demo_phones(url: str) -> list[str]:
    """Migrate and seed the demo data only (quick mode); answer every phone number."""
    db = Database(url)
    try:
        migrate.upgrade(db)
        seed_demo(db)
        with db.read() as session:
            return [p for phones in session.execute(select(CustomerRow.phones)).scalars() for p in phones]
    finally:
        db.dispose()


def main(argv: list[str]) -> int:
    """Run the measurements; print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="requests of each kind")
    parser.add_argument("--quick", action="store_true",
                        help="the demo data only, 300 requests of each kind (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests = 300
    with tempfile.TemporaryDirectory(prefix="bench-path-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        phones = demo_phones(url) if args.quick else fill(url)
        figures = asyncio.run(measure(url, phones, args.requests))
    emit("request_path", figures, requests=args.requests, cores=os.cpu_count(),
         load_1min=round(os.getloadavg()[0], 2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
