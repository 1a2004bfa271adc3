"""The deadline watcher's lateness with 10,000 open orders: deadline → alert on a supervisor's SSE stream.

The database gets the demo data plus 10,000 open repair orders (dispatched, not accepted), written
directly and scheduled with the server's own `deadlines.schedule`. 9,000 of them fall due minutes
after the measured window; 1,000 (`--due`) have their acceptance deadline spread evenly over a window
of 60 s starting once the real server (`agent-tui server`, one process) is up. The server config sets
EF to the acceptance limit (4 min) and no at-risk alerts, so every due order raises two breaches
(EF and accept) at its deadline and nothing else falls in the window. A supervisor's SSE stream
collects the `order_alert` events; each alert's lateness is its arrival on the stream minus its
deadline (the promise: <= 5 s).

Figures per backend (SQLite; PostgreSQL when its binaries are installed): lateness p50, p95 and max,
and how many of the expected alerts arrived.

    .venv/bin/python -m bench.deadline_watcher [--orders N] [--due N] [--window S]
        [--backends sqlite,postgresql] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from agent_tui.domain.base import utc_now
from agent_tui.domain.sla import SlaLimits
from agent_tui.server.app import prepare
from agent_tui.server.db import Database
from agent_tui.server.deadlines import schedule
from agent_tui.server.models import TicketRow, TimelineRow
from agent_tui.server.settings import ServerSettings
from agent_tui.server.store import load_tickets
from bench._desk_harness import install_sigterm_exit, percentile
from bench.report import Figure, emit
from tests.server.pg import PgServer
from tests.server.process import ServerProcess, SseClient

TARGET_S = 5.0
ACCEPT_MIN = 4
CONFIG: dict[str, Any] = {"sla": {"ef": ACCEPT_MIN, "accept": ACCEPT_MIN}, "escalation": {"at_risk_ratio": 0}}
STARTUP_S = 45.0
"""Room for the server to start before the first deadline falls due (--quick: 30 s)."""
STEPS = (("created", 30), ("issued", 20), ("received", 10), ("dispatched", 0))
"""Each order's time points, seconds before it was dispatched."""


def prepare_orders(url: str, orders: int, due: int, first_due: datetime, window_s: float) -> None:
    """Demo data plus `orders` dispatched repair orders, `due` of them falling due in the window."""
    db = Database(url)
    try:
        prepare(db, ServerSettings.from_url(url, seed="demo", screens_dir=None))
        now = utc_now()
        limits = SlaLimits(ef=ACCEPT_MIN, accept=ACCEPT_MIN)
        step = window_s / max(due, 1)
        for start in range(0, orders, 1000):
            batch = range(start, min(start + 1000, orders))
            with db.write() as session:
                rows: list[dict[str, Any]] = []
                for i in batch:
                    dispatched = (first_due + timedelta(seconds=i * step) - timedelta(minutes=ACCEPT_MIN)
                                  if i < due else now)
                    rows.append({
                        "number": f"GDB{i:011d}", "ticket_type": "repair", "status": "dispatched",
                        "customer_id": 1 + i % 200, "call_id": None, "screen_id": "repair",
                        "screen_version": None, "subject": "bench", "description": "", "fields": {},
                        "priority": 3, "training": False, "created_by": f"agent{1 + i % 20:02d}",
                        "assignee": None, "created_at": dispatched - timedelta(seconds=30),
                        "updated_at": dispatched, "return_visit": None, "field_team": None,
                    })
                returning = insert(TicketRow).returning(TicketRow.id, sort_by_parameter_order=True)
                ids = list(session.execute(returning, rows).scalars())
                timeline = []
                for ticket_id, row in zip(ids, rows, strict=True):
                    at: datetime = row["updated_at"]
                    for status, back in STEPS:
                        timeline.append({"ticket_id": ticket_id, "status": status,
                                         "at": at - timedelta(seconds=back), "by": "bench", "note": ""})
                session.execute(insert(TimelineRow), timeline)
                loaded = session.execute(select(TicketRow).where(TicketRow.id.in_(ids))).scalars().all()
                for ticket in load_tickets(session, loaded, now, limits):
                    schedule(session, ticket, now, 0)
    finally:
        db.dispose()


def measure(
    url: str, folder: Path, orders: int, due: int, window_s: float, startup_s: float
) -> dict[str, Any]:
    """Prepare, start the server, collect the window's alerts; lateness figures of one backend."""
    first_due = utc_now() + timedelta(seconds=startup_s + orders / 1000 * 3)
    prepare_orders(url, orders, due, first_due, window_s)
    server = ServerProcess(url, folder, settings=CONFIG)
    late: list[float] = []
    expected = 2 * due
    try:
        server.start()
        stream = SseClient(server.base, server.login("sup01"))
        try:
            stream.comment("connected", 30)
            watching_from = time.time()
            end = first_due.timestamp() + window_s + 30
            seen = 0
            while seen < expected and time.time() < end:
                try:
                    message = stream.next(max(end - time.time(), 0.1))
                except AssertionError:
                    break
                if message.event != "order_alert":
                    continue
                arrived = time.time()
                seen += 1
                deadline = datetime.fromisoformat(message.json()["data"]["due_at"]).timestamp()
                if deadline >= watching_from:  # due before we watched: not the watcher's lateness
                    late.append(arrived - deadline)
        finally:
            stream.close()
    finally:
        server.stop()
    return {"late": late, "seen": seen, "expected": expected}


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures."""
    install_sigterm_exit()
    parser = argparse.ArgumentParser(prog="bench.deadline_watcher", description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds the due deadlines spread over")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--quick", action="store_true", help="1,000 orders, 100 due in 10 s, SQLite only")
    args = parser.parse_args(argv)
    if args.quick:
        args.orders, args.due, args.window, args.backends = 1000, 100, 10.0, "sqlite"
    figures: list[Figure] = []
    extra: dict[str, Any] = {"orders": args.orders, "due": args.due, "window_s": args.window,
                             "load_avg": [round(os.getloadavg()[0], 2)]}
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-deadlines-") as tmp, contextlib.ExitStack() as stack:
            folder = Path(tmp)
            url = f"sqlite:///{folder / 'server.db'}"
            if backend == "postgresql":
                found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
                if not found:
                    extra["postgresql"] = "server binaries not installed: not measured"
                    continue
                pg = PgServer(initdb=found[-1], postgres=str(Path(found[-1]).with_name("postgres")))
                stack.callback(pg.stop)
                pg.start()
                url = pg.url(pg.create_database())
            startup = 30.0 if args.quick else STARTUP_S
            result = measure(url, folder, args.orders, args.due, args.window, startup)
        late = result["late"] or [float("nan")]
        worst = max(late)
        figures += [
            Figure(f"{backend} lateness p50", round(percentile(late, 0.5), 3), "s"),
            Figure(f"{backend} lateness p95", round(percentile(late, 0.95), 3), "s", f"<= {TARGET_S:.0f}",
                   percentile(late, 0.95) <= TARGET_S),
            Figure(f"{backend} lateness max", round(worst, 3), "s", f"<= {TARGET_S:.0f}", worst <= TARGET_S),
            Figure(f"{backend} alerts arrived", result["seen"], "", f"= {result['expected']}",
                   result["seen"] == result["expected"]),
        ]
        extra[f"{backend}_measured"] = len(result["late"])
        extra["load_avg"].append(round(os.getloadavg()[0], 2))
    emit("deadline_watcher", figures, **extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
