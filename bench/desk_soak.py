"""Soak of one desk: 2,000 calls back to back through the real desk, for a long shift's worth of calls.

The real stack on loopback (see bench/_desk_harness.py): the reference backend, the real desk
(`agent-tui desk --listen`) as a child process in an 80x24 pseudo-terminal, and a caller (a pjsua2
`PhoneEngine` in this process) ringing it as seeded customers with IVR headers. The desk's config
turns on `sip.auto_answer`, so its own engine answers; its UI pops the card, goes On call, writes the
agent states and the call record through its outbox, and shows "Call ended" when the caller hangs up.

One call: dial; the caller sees it answered; the card of that customer is on the desk's screen; the
caller hangs up; the desk shows the call ended. Calls follow each other at once, one at a time (the
pjsua2 build holds at most 4 calls, and > ~30 set-ups per 0.5 s in one process abort it: one call
at a time stays far below that).

Judged: the desk still runs at the end and quits cleanly (exit 0); its RSS at the end against
its RSS after a warm-up (growth <= 10%); its open descriptors (/proc/PID/fd) at the end against after
the warm-up (no growth beyond a small slack for pooled HTTP connections); every call popped (one
"screen pop" log line per call).

The warm-up is what a shift fills once and then holds at a steady size, so the growth after it is
what would keep growing over a longer shift (a leak). Two such bounded fills were measured (tracemalloc,
gc object counts, heaptrack; 2026-11-22) and set it:
- the desk's call history: the last `HISTORY_CALLS` (500) calls, as ~4 KB summaries (Python heap);
- pjsip's finished dialogs: each ended call's dialog (SDP, headers, the encoded 200 OK to the BYE,
  ~15-30 KB of native pool memory) lives until the BYE's server transaction ends, Timer J = 64 x T1
  = 32 s after it over UDP, so at a steady rate the desk holds `rate x 32 s` calls' worth (~450 at
  14 calls/s); after 45 s idle all of it was freed.
So the warm-up ends at the first call after `WARM_UP_CALLS` (history full plus a margin) that is also
at least `WARM_UP_MIN_S` after the first call (past Timer J), or at half of the calls at the latest
(--quick: half). A tenth of the calls, the earlier warm-up, ends while both are still filling: its
growth is reported too, unjudged ("desk RSS growth from the first tenth"; 10-13% on 2,000 calls,
nearly all of it reached by call ~600 and flat within ~1% after).

    .venv/bin/python -m bench.desk_soak [--calls 2000] [--quick]
"""

from __future__ import annotations

import argparse
import os
import queue
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent_tui.demo.stack import free_port
from agent_tui.desk.book import HISTORY_CALLS
from agent_tui.phone.events import CallEnded, CallState
from bench._desk_harness import (
    Backend,
    Caller,
    PtyDesk,
    SeededCustomer,
    install_sigterm_exit,
    is_ready,
    percentile,
    pop_latencies,
    write_config,
)
from bench.report import Figure, emit

CALLS = 2000
QUICK_CALLS = 40
WARM_UP_SHARE = 0.1
"""The earlier warm-up, a tenth of the calls: its growth is still reported, unjudged (see the docstring)."""
WARM_UP_CALLS = HISTORY_CALLS + 100
"""The desk's call history is full (HISTORY_CALLS) with a margin: its memory stays flat from there."""
SIP_TIMER_J_S = 32.0
"""How long pjsip keeps an ended call's dialog over UDP (64 x T1: the BYE's server transaction)."""
WARM_UP_MIN_S = SIP_TIMER_J_S + 8.0
"""The warm-up also lasts this long from the first call, so the dialogs kept by Timer J are at their
steady number (rate x 32 s) before the baseline is read."""
RSS_GROWTH_TARGET = 0.10
FD_SLACK = 4
"""Descriptors that may come and go with no leak: pooled HTTP connections to the backend."""
SAMPLES = 20


def soak_config(folder: Path, backend_url: str, sip_port: int) -> Path:
    """The benchmark desk config, with the desk's engine answering every call and optional ACW."""
    path = write_config(folder, backend_url, sip_port)
    text = path.read_text(encoding="utf-8")
    text = text.replace('mode = "listen"\n', 'mode = "listen"\nauto_answer = true\n', 1)
    text += '\n[desk]\nacw_mode = "optional"\n'
    path.write_text(text, encoding="utf-8")
    return path


def open_fds(pid: int) -> int:
    """How many descriptors process `pid` has open."""
    return len(os.listdir(f"/proc/{pid}/fd"))


class CallerEvents:
    """The caller engine's events, waited for by predicate (other events are dropped)."""

    def __init__(self, caller: Caller) -> None:
        self.events = caller.events

    def wait(self, predicate: Callable[[Any], bool], timeout: float, what: str) -> Any:
        """The first event matching `predicate`; RuntimeError after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self.events.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}") from None
            if predicate(event):
                return event


def order_of(customers: list[SeededCustomer], calls: int, rng: random.Random) -> list[SeededCustomer]:
    """`calls` customers, never the same phone twice in a row (the screen must change every call)."""
    order: list[SeededCustomer] = []
    while len(order) < calls:
        pick = rng.choice(customers)
        if not order or pick.phone != order[-1].phone:
            order.append(pick)
    return order


def one_call(desk: PtyDesk, caller: Caller, events: CallerEvents, uri: str, customer: SeededCustomer,
             rng: random.Random) -> float:
    """Ring, answered by the desk, card shown, hang up, desk shows it ended; the cycle's seconds."""
    began = time.monotonic()
    call_id, _ = caller.dial(uri, customer.ivr_headers(rng))
    ended: list[CallEnded] = []

    def answered_or_ended(event: Any) -> bool:
        if isinstance(event, CallEnded) and event.call_id == call_id:
            ended.append(event)
            return True
        return isinstance(event, CallState) and event.call_id == call_id and event.state == "confirmed"

    events.wait(answered_or_ended, 15, f"call {call_id} answered")
    if ended:
        raise RuntimeError(f"call {call_id} ended before it was answered: {ended[0]}")
    desk.wait_text(lambda s: f"On call {customer.phone}" in s and f"Account: {customer.account}" in s, 15)
    caller.engine.hangup(call_id)
    events.wait(lambda e: isinstance(e, CallEnded) and e.call_id == call_id, 15, f"call {call_id} ended")
    desk.wait_text(lambda s: "Call ended" in s and customer.phone in s, 15)
    return time.monotonic() - began


def run(calls: int) -> dict[str, Any]:
    """Soak the desk with `calls` calls; the measurements."""
    rng = random.Random(95598)
    tenth = max(int(calls * WARM_UP_SHARE), 1)
    latest = max(calls // 2, 1)
    warm_up = 0
    sample_every = max(calls // SAMPLES, 1)
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp, Backend(Path(tmp)) as backend:
        folder = Path(tmp)
        sip_port = free_port(kind=2)
        config = soak_config(folder, backend.url, sip_port)
        with PtyDesk(folder, config, sip_port) as desk, Caller() as caller:
            assert desk.proc is not None
            pid = desk.proc.pid
            desk.wait_text(is_ready, 60)
            uri = f"sip:agent01@127.0.0.1:{sip_port}"
            events = CallerEvents(caller)
            order = order_of(backend.customers(), calls, rng)
            cycles: list[float] = []
            series: list[dict[str, float]] = []
            base_rss = base_fds = tenth_rss = 0
            warm_up_s = 0.0
            began = time.monotonic()
            for index, customer in enumerate(order, start=1):
                cycles.append(one_call(desk, caller, events, uri, customer, rng))
                if index == tenth:
                    tenth_rss = desk.rss_bytes()
                since = time.monotonic() - began
                if not warm_up and (index >= latest or (
                        index >= WARM_UP_CALLS and since >= WARM_UP_MIN_S)):
                    warm_up, warm_up_s = index, since
                    base_rss, base_fds = desk.rss_bytes(), open_fds(pid)
                if index % sample_every == 0 or index == calls:
                    series.append({"calls": index, "rss_mib": round(desk.rss_bytes() / 2**20, 1),
                                   "fds": open_fds(pid), "s": round(time.monotonic() - began, 1)})
            elapsed = time.monotonic() - began
            end_rss, end_fds = desk.rss_bytes(), open_fds(pid)
            alive = desk.proc.poll() is None
            pops = len(pop_latencies(desk.log_file))
            cpu_s = desk.cpu_seconds()
            exit_code = desk.quit(30)  # ctrl+q, answering the desk's question if it asks
    return {"calls": calls, "elapsed_s": elapsed, "cycles": cycles, "series": series, "alive": alive,
            "exit_code": exit_code, "base_rss": base_rss, "end_rss": end_rss, "base_fds": base_fds,
            "end_fds": end_fds, "pops": pops, "cpu_s": cpu_s, "warm_up": warm_up,
            "warm_up_s": round(warm_up_s, 1), "tenth": tenth, "tenth_rss": tenth_rss}


def figures(result: dict[str, Any]) -> list[Figure]:
    """The benchmark's figures, judged against their targets."""
    calls = result["calls"]
    growth = (result["end_rss"] - result["base_rss"]) / result["base_rss"]
    from_tenth = (result["end_rss"] - result["tenth_rss"]) / result["tenth_rss"]
    fd_growth = result["end_fds"] - result["base_fds"]
    survived = result["alive"] and result["exit_code"] == 0
    cycles_ms = [c * 1000 for c in result["cycles"]]
    return [
        Figure("calls through one desk", calls, "calls"),
        Figure("desk alive, clean quit", 1 if survived else 0, "", target="= 1", ok=survived),
        Figure("calls popped (desk log)", result["pops"], "calls", target=f"= {calls}",
               ok=result["pops"] == calls),
        Figure("call rate", round(calls / result["elapsed_s"], 2), "calls/s"),
        Figure("call cycle p50", round(percentile(cycles_ms, 0.5), 1), "ms"),
        Figure("call cycle p99", round(percentile(cycles_ms, 0.99), 1), "ms"),
        Figure("desk RSS after warm-up", round(result["base_rss"] / 2**20, 1), "MiB"),
        Figure("desk RSS growth after warm-up", round(growth * 100, 1), "%",
               target=f"<= {RSS_GROWTH_TARGET * 100:.0f} %", ok=growth <= RSS_GROWTH_TARGET),
        Figure("desk RSS growth from the first tenth", round(from_tenth * 100, 1), "%"),
        Figure("desk open fds growth after warm-up", fd_growth, "fds", target=f"<= {FD_SLACK}",
               ok=fd_growth <= FD_SLACK),
        Figure("desk CPU per call", round(result["cpu_s"] * 1000 / calls, 1), "ms"),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(prog="bench.desk_soak", description=__doc__)
    parser.add_argument("--calls", type=int, default=CALLS)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CALLS} calls (smoke test)")
    args = parser.parse_args(argv)
    install_sigterm_exit()
    calls = QUICK_CALLS if args.quick else args.calls
    result = run(calls)
    emit("desk_soak", figures(result), calls=calls, warm_up=result["warm_up"],
         warm_up_s=result["warm_up_s"], tenth=result["tenth"], series=result["series"],
         fds=[result["base_fds"], result["end_fds"]], quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
