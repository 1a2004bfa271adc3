"""Bytes the desk writes to its terminal: while idle, and per screen pop, at 80x24 and 120x40.

The real desk (`agent-tui desk --listen`) runs in a pseudo-terminal of each size against the reference
backend on loopback; every byte read from the master side is counted with the time it arrived.
- idle: the logged-in desk (Not Ready, no call, clock on) after it has been quiet for a second, over a
  60 s window (5 s with --quick). Only the clock cell and the minutes-in-state should change.
  Target <= 200 B/s.
- per pop: a caller (pjsua2 in this process) rings the desk as a seeded customer with IVR headers;
  bytes from the dial until the terminal has been quiet for 0.25 s after the card showed (the ringing
  banner and the customer card). Target <= 20 KB (mean over the pops). The whole ring cycle (pop, the
  caller giving up, the desk back to no call) is shown too, without a target.

    .venv/bin/python -m bench.terminal_bytes [--idle S] [--pops N] [--quick]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from bench._desk_harness import Caller, card_shown, desk_stack, install_sigterm_exit, median, no_ringing
from bench.report import Figure, emit
from bench.screen_pop import distinct_order

SIZES = ((80, 24), (120, 40))
TARGET_IDLE_BPS = 200.0
TARGET_POP_KB = 20.0
QUIET_S = 0.25


def measure(columns: int, rows: int, idle_s: float, pops: int) -> tuple[float, list[int], list[int]]:
    """(idle B/s, bytes per pop, bytes per ring cycle) at one terminal size."""
    rng = random.Random(4095)
    with tempfile.TemporaryDirectory(prefix="bench-bytes-") as tmp, \
            desk_stack(Path(tmp), columns, rows) as (backend, desk, uri), Caller() as caller:
        desk.wait_quiet(1.0, 15)
        start = time.monotonic()
        time.sleep(idle_s)  # the idle window itself is what is measured
        end = time.monotonic()
        idle_bps = desk.bytes_between(start, end) / (end - start)
        per_pop: list[int] = []
        per_cycle: list[int] = []
        for customer in distinct_order(backend.customers(), pops, rng):
            desk.wait_quiet(QUIET_S, 10)
            call_id, dialled = caller.dial(uri, customer.ivr_headers(rng))
            desk.wait_text(card_shown(customer.account), 10)
            painted_end = desk.wait_quiet(QUIET_S, 10)
            per_pop.append(desk.bytes_between(dialled, painted_end + 1e-6))
            caller.hang_up(call_id)
            desk.wait_text(no_ringing, 10)
            cycle_end = desk.wait_quiet(QUIET_S, 10)
            per_cycle.append(desk.bytes_between(dialled, cycle_end + 1e-6))
    return idle_bps, per_pop, per_cycle


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(prog="bench.terminal_bytes", description=__doc__)
    parser.add_argument("--idle", type=float, default=60.0, help="idle window, seconds")
    parser.add_argument("--pops", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="5 s idle, 2 pops (smoke test)")
    args = parser.parse_args(argv)
    install_sigterm_exit()
    idle_s, pops = (5.0, 2) if args.quick else (args.idle, args.pops)
    figures: list[Figure] = []
    detail: dict[str, object] = {}
    for columns, rows in SIZES:
        size = f"{columns}x{rows}"
        idle_bps, per_pop, per_cycle = measure(columns, rows, idle_s, pops)
        pop_kb = sum(per_pop) / len(per_pop) / 1024
        figures += [
            Figure(f"idle {size}", round(idle_bps, 1), "B/s", target=f"<= {TARGET_IDLE_BPS:.0f} B/s",
                   ok=idle_bps <= TARGET_IDLE_BPS),
            Figure(f"per screen pop {size}", round(pop_kb, 2), "KB", target=f"<= {TARGET_POP_KB:.0f} KB",
                   ok=pop_kb <= TARGET_POP_KB),
            Figure(f"per ring cycle {size}", round(median([float(v) for v in per_cycle]) / 1024, 2), "KB"),
        ]
        detail[size] = {"idle_bps": round(idle_bps, 1), "pop_bytes": per_pop, "cycle_bytes": per_cycle}
    emit("terminal_bytes", figures, idle_s=idle_s, pops=pops, detail=detail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
