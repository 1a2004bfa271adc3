"""The wallboard's work per key and per event, in process: CPU time, which a shared machine does not change.

bench/wallboard.py measures the real monitor in a terminal through the real backend; on a shared 2-core
machine its latencies say as much about the other processes as about the wallboard (a key waits for the
CPU its work needs, at whatever share of a core the wallboard gets). This benchmark counts the work
itself: the monitor App on the monitor tests' doubles (tests/monitor/doubles.py), headless at 120x40,
with `--agents` agents (5,000):
- CPU per 1,000 events: `agent_state` events at `--rate` a second (and every 0.25 s an `agent_rows`
  event with the touched rows, as the backend sends them) given to the wallboard's feed sink for
  `--seconds`, painted as they come; the process's CPU time over the events applied (the events are
  made by this process too: the same cost on every branch).
- CPU per key until its frame is painted, without load: ctrl+o (the next sort order, every row
  sorted again), pgdn (each time to a page not shown yet), then pgup back through them, and a filter
  set from the dialog's result and cleared (every row passed through the filter again). Medians and
  maxima over the presses; the CPU/wall ms of each press are printed too (`key_ms`).

    .venv/bin/python -m bench.wallboard_keys [--agents N] [--rate N] [--seconds S] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from typing import Any

from bench.report import Figure, emit

STATES = (("ready", None), ("not_ready", "break"), ("on_call", None), ("acw", None), ("ringing", None))
ROWS_INTERVAL_S = 0.25


def _state_event(rows: dict[str, dict[str, Any]], username: str, state: str, reason: str | None,
                 n: int) -> Any:
    """An `agent_state` event as the backend records it; `rows` (JSON rows) follow it."""
    from agent_tui.domain.base import utc_now
    from agent_tui.domain.events import Event, EventKind

    since = utc_now().isoformat()
    data: dict[str, Any] = {"state": state, "reason": reason, "since": since}
    row = rows[username]
    row.update(state=state, reason=reason, since=since, call_id=None, call_number=None, call_queue=None,
               call_started=None)
    if state in ("on_call", "ringing", "acw"):
        data.update(call_id=f"b{n}", call_number="13800001234", queue="95598-repair")
        row.update(call_id=f"b{n}", call_number="13800001234", call_queue="95598-repair", call_started=since)
    return Event(id=n, kind=EventKind.AGENT_STATE, at=utc_now(),
                 data={"username": username, "display_name": row["display_name"], "role": "agent",
                       "team": row["team"], "extension": row["extension"], "state": data})


async def measure(agents: int, rate: float, seconds: float, presses: int) -> dict[str, Any]:
    """Run the App and measure (see the module's doc)."""
    from agent_tui.domain.base import utc_now
    from agent_tui.domain.events import Event, EventKind
    from agent_tui.ui.monitor.model import AgentFilter
    from tests.monitor.doubles import make_monitor, snapshot
    from tests.ui.helpers import wait_until

    app, _api, _phone, feeds = make_monitor()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        board = snapshot(agents=agents)
        feeds[0].sink.snapshot(board)
        wallboard: Any = getattr(app, "wallboard")  # noqa: B009 - MonitorApp's screen, typed loosely here
        await wait_until(pilot, lambda: wallboard.agents.row_count == agents, deadline_s=120, what="rows")
        await pilot.pause(0.5)
        rows = {row.username: row.model_dump(mode="json") for row in board.agents}
        rng = random.Random(16)
        sent, touched = 0, set()
        start = time.monotonic()
        cpu0 = time.process_time()
        next_rows = start + ROWS_INTERVAL_S
        while (now := time.monotonic()) < start + seconds:
            while sent < int((now - start) * rate):
                username = f"agent{rng.randint(1, agents):04d}"
                state, reason = rng.choice(STATES)
                sent += 1
                feeds[0].sink.event(_state_event(rows, username, state, reason, 1000 + sent))
                touched.add(username)
            if now >= next_rows:
                next_rows += ROWS_INTERVAL_S
                feeds[0].sink.event(Event(id=1000 + sent, kind=EventKind.AGENT_ROWS, at=utc_now(),
                                          data={"rows": [dict(rows[u]) for u in sorted(touched)]}))
                touched.clear()
            await asyncio.sleep(0.01)  # the feed's pace; paints and ticks run in between
        await wait_until(pilot, lambda: not wallboard.model.pending(), deadline_s=30, what="painted")
        feed_cpu = time.process_time() - cpu0
        latencies = sorted(wallboard.latencies_ms)
        await pilot.pause(0.5)

        keys: dict[str, list[tuple[float, float]]] = {"sort": [], "pgdn": [], "pgup": [], "filter": []}

        async def timed(what: str, action: Any) -> None:
            cpu, wall = time.process_time(), time.monotonic()
            await action()
            await pilot.pause()  # until the frame with it is painted
            keys[what].append(((time.process_time() - cpu) * 1000, (time.monotonic() - wall) * 1000))

        async def set_filter(value: AgentFilter) -> None:
            wallboard.set_filter(value)

        for _ in range(presses):
            await timed("sort", lambda: pilot.press("ctrl+o"))
        for _ in range(presses):  # a page not shown before each time (a table caching lines gains nothing)
            await timed("pgdn", lambda: pilot.press("pagedown"))
        for _ in range(presses):  # back through the pages just shown
            await timed("pgup", lambda: pilot.press("pageup"))
        for n in range(presses):
            value = AgentFilter(team="A" if n % 4 == 0 else "B") if n % 2 == 0 else AgentFilter()
            await timed("filter", lambda v=value: set_filter(v))
    return {"sent": sent, "feed_cpu": feed_cpu, "latencies": latencies, "keys": keys}


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(prog="bench.wallboard_keys", description=__doc__)
    parser.add_argument("--agents", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=1000.0, help="agent_state events a second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--presses", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="1,000 agents, 2 s, 2 presses (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.agents, args.seconds, args.presses = 1000, 2.0, 2
    result = asyncio.run(measure(args.agents, args.rate, args.seconds, args.presses))
    figures = [Figure("CPU per 1,000 events (feed, model, paints; in process)",
                      round(result["feed_cpu"] / max(result["sent"], 1) * 1e6, 1), "ms")]
    latencies = result["latencies"]
    p95 = round(latencies[int(len(latencies) * 0.95)], 1) if latencies else float("nan")
    figures.append(Figure("event → painted p95 (in process)", p95, "ms"))
    for what, label in (("sort", "ctrl+o sort"), ("pgdn", "pgdn, new pages"), ("pgup", "pgup, back"),
                        ("filter", "filter set/cleared")):
        cpu = [c for c, _w in result["keys"][what]]
        figures.append(Figure(f"CPU per key, median ({label})", round(statistics.median(cpu), 1), "ms"))
        figures.append(Figure(f"CPU per key, max ({label})", round(max(cpu), 1), "ms"))
    emit("wallboard_keys", figures, agents=args.agents, sent=result["sent"], seconds=args.seconds,
         key_ms=" ".join(f"{what}:" + ",".join(f"{c:.0f}/{w:.0f}" for c, w in values)
                         for what, values in result["keys"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
