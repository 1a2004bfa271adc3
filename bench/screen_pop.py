"""Screen pop: INVITE seen by the desk's softphone → customer card painted, over 100 calls.

The real stack on loopback: the reference backend (`agent-tui server --seed demo`, SQLite), the real
desk (`agent-tui desk --listen`) running as a child process in a pseudo-terminal (80x24 by default),
and a caller (a pjsua2 `PhoneEngine` in this process, the engine `agent-tui bot` runs) that rings the
desk as seeded customers with the headers an IVR would add: P-Asserted-Identity with the customer's
phone, X-Customer-Id, X-Account, X-Queue. Calls ring one after another; each is cancelled once the
card is on screen and the terminal has gone quiet.

Two measurements per call:
- the desk's own (`pop_latency_ms`, logged as "screen pop CALL: N ms"): from the softphone's
  `IncomingCall.at` (taken in `onIncomingCall`) to the first refresh after the card was filled
  (`call_after_refresh`). This is the figure with the target (issue 11: p95 <= 15 ms).
- from outside: from the caller asking to dial to the customer's account number appearing on the
  terminal as the pseudo-terminal's reader parses it (pyte), so SIP transit and the terminal write are
  included. Shown for comparison, no target.
The desk's CPU time (all threads) per ring cycle (ring, pop, cancel, back to idle, the quiet waits
included) is shown too, with its own target (issue 11: <= 10 ms): on a shared 2-core machine it tells
the work from the waiting for a core. Its main thread's share (Textual's loop: frames, messages, the
desk's handlers) is a figure of its own, and the JSON lists every thread's share (`threads_ms`).
`--idle S` first measures the desk's CPU while nothing happens for S seconds (timers, polls), per second.

    .venv/bin/python -m bench.screen_pop [--calls N] [--size 80x24] [--quick] [--idle S] [--profile FILE]

`--profile FILE` runs the desk under cProfile (its main thread: the UI's event loop, where the pop is
painted) and writes the stats to FILE when the desk quits; read them with `python -m pstats FILE`.
docs/performance.md ("The desk's screen pop") says what they showed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench._desk_harness import (
    Caller,
    SeededCustomer,
    card_shown,
    desk_stack,
    env_pair,
    install_sigterm_exit,
    no_ringing,
    percentile,
    wait_until,
)
from bench.report import Figure, emit

TARGET_P95_MS = 15.0
TARGET_CPU_MS = 10.0
QUIET_S = 0.25


def parse_size(text: str) -> tuple[int, int]:
    """`80x24` → (80, 24)."""
    columns, _, rows = text.lower().partition("x")
    return int(columns), int(rows)


def distinct_order(customers: list[SeededCustomer], calls: int, rng: random.Random) -> list[SeededCustomer]:
    """`calls` random customers, never the same one twice in a row (the last card stays on screen)."""
    order: list[SeededCustomer] = []
    while len(order) < calls:
        pick = rng.choice(customers)
        if not order or pick.account != order[-1].account:
            order.append(pick)
    return order


PROFILER = """\
import atexit, cProfile, os
_profile = cProfile.Profile()
_profile.enable()
atexit.register(lambda: (_profile.disable(), _profile.dump_stats(os.environ["BENCH_PROFILE_OUT"])))
"""
"""A `sitecustomize` for the desk: profile from the first import to the exit."""


def profiled_env(folder: Path, out: Path) -> dict[str, str]:
    """Desk environment that runs the desk under cProfile, writing to `out` at exit."""
    hook = folder / "profile-hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(PROFILER)
    root = Path(__file__).resolve().parents[1]
    return {"PYTHONPATH": os.pathsep.join((str(hook), str(root))), "BENCH_PROFILE_OUT": str(out.resolve())}


@dataclass
class Run:
    """What one run measured."""

    inside: list[float]
    """The desk's own pop latencies (ms)."""
    outside: list[float]
    """Dial → account number on the terminal (ms)."""
    cpu_ms: float
    """Desk CPU per ring cycle, all threads."""
    threads_ms: dict[str, float]
    """Desk CPU per ring cycle by thread ("main", "engine"..., see `thread_shares`)."""
    idle_ms_per_s: dict[str, float] | None
    """Desk CPU per second while idle, by thread (None: not measured)."""


def thread_shares(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], pid: int,
                  per: float) -> dict[str, float]:
    """CPU ms of each thread between two readings, divided by `per`; the main thread is "main", the others
    by name and id ("media", "python-1234"), largest first; threads gone meanwhile are not counted."""
    shares: dict[str, float] = {}
    for tid, (name, seconds) in after.items():
        label = "main" if tid == pid else f"{name}-{tid}" if name == "python" else name
        shares[label] = shares.get(label, 0.0) + (seconds - before.get(tid, (name, 0.0))[1]) * 1000 / per
    return dict(sorted(((k, round(v, 2)) for k, v in shares.items() if v > 0), key=lambda kv: -kv[1]))


def run(calls: int, columns: int, rows: int, extra_env: dict[str, str] | None = None,
        idle_s: float = 0.0) -> Run:
    """Ring the desk `calls` times (after `idle_s` s of measuring it idle)."""
    rng = random.Random(95598)
    with tempfile.TemporaryDirectory(prefix="bench-pop-") as tmp, \
            desk_stack(Path(tmp), columns, rows, extra_env) as (backend, desk, uri), Caller() as caller:
        assert desk.proc is not None
        pid = desk.proc.pid
        order = distinct_order(backend.customers(), calls, rng)
        desk.wait_quiet(QUIET_S, 10)
        idle: dict[str, float] | None = None
        if idle_s > 0:
            before_idle, started = desk.thread_cpu_seconds(), time.monotonic()
            time.sleep(idle_s)  # measuring what the desk does while nothing happens
            idle = thread_shares(before_idle, desk.thread_cpu_seconds(), pid, time.monotonic() - started)
        inside: list[float] = []
        outside: list[float] = []
        seen: set[str] = set()
        cpu_before = desk.cpu_seconds()
        threads_before = desk.thread_cpu_seconds()
        for customer in order:
            call_id, dialled = caller.dial(uri, customer.ivr_headers(rng))
            painted = desk.wait_text(card_shown(customer.account), 10)
            outside.append((painted - dialled) * 1000)
            wait_until(lambda: len(desk.pop_latencies()) > len(seen), 5, "the desk to log the pop")
            for name, value in desk.pop_latencies().items():
                if name not in seen:
                    seen.add(name)
                    inside.append(value)
            desk.wait_quiet(QUIET_S, 10)
            caller.hang_up(call_id)
            desk.wait_text(no_ringing, 10)
            desk.wait_quiet(QUIET_S, 10)
        cpu_ms = (desk.cpu_seconds() - cpu_before) * 1000 / len(order)
        threads = thread_shares(threads_before, desk.thread_cpu_seconds(), pid, len(order))
    return Run(inside, outside, cpu_ms, threads, idle)


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(prog="bench.screen_pop", description=__doc__)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--size", type=parse_size, default=(80, 24), help="terminal COLUMNSxROWS")
    parser.add_argument("--quick", action="store_true", help="5 calls (smoke test)")
    parser.add_argument("--desk-env", type=env_pair, action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the desk (experiments, e.g. TEXTUAL_FPS=240)")
    parser.add_argument("--idle", type=float, default=0.0, metavar="S",
                        help="first measure the idle desk's CPU for S seconds (per thread, per second)")
    parser.add_argument("--profile", type=Path, default=None, metavar="FILE",
                        help="run the desk under cProfile and write its stats to FILE")
    args = parser.parse_args(argv)
    install_sigterm_exit()
    calls = 5 if args.quick else args.calls
    columns, rows = args.size
    extra_env = dict(args.desk_env)
    with tempfile.TemporaryDirectory(prefix="bench-pop-hook-") as hook:
        if args.profile is not None:
            extra_env.update(profiled_env(Path(hook), args.profile))
        measured = run(calls, columns, rows, extra_env, args.idle)
    inside, outside, cpu_ms = measured.inside, measured.outside, measured.cpu_ms
    p95 = percentile(inside, 0.95)
    emit("screen_pop", [
        Figure("pop latency p50 (desk)", round(percentile(inside, 0.5), 1), "ms"),
        Figure("pop latency p95 (desk)", round(p95, 1), "ms", target=f"<= {TARGET_P95_MS:.0f} ms",
               ok=p95 <= TARGET_P95_MS),
        Figure("dial → card on terminal p50", round(percentile(outside, 0.5), 1), "ms"),
        Figure("dial → card on terminal p95", round(percentile(outside, 0.95), 1), "ms"),
        Figure("desk CPU per ring cycle", round(cpu_ms, 1), "ms", target=f"<= {TARGET_CPU_MS:.0f} ms",
               ok=cpu_ms <= TARGET_CPU_MS),
        Figure("desk CPU per ring cycle, main thread", round(measured.threads_ms.get("main", 0.0), 1), "ms"),
    ], calls=calls, terminal=f"{columns}x{rows}", desk_env=extra_env, desk_ms=[round(v, 1) for v in inside],
        outside_ms=[round(v, 1) for v in outside], threads_ms=measured.threads_ms,
        idle_ms_per_s=measured.idle_ms_per_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
