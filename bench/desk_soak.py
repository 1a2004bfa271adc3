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
"""The first tenth of the calls warms caches and pools; growth is measured from there."""
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
    desk.wait_text(lambda s: f"Call ended: {customer.phone}." in s, 15)
    return time.monotonic() - began


def run(calls: int) -> dict[str, Any]:
    """Soak the desk with `calls` calls; the measurements."""
    rng = random.Random(95598)
    warm_up = max(int(calls * WARM_UP_SHARE), 1)
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
            base_rss = base_fds = 0
            began = time.monotonic()
            for index, customer in enumerate(order, start=1):
                cycles.append(one_call(desk, caller, events, uri, customer, rng))
                if index == warm_up:
                    base_rss, base_fds = desk.rss_bytes(), open_fds(pid)
                if index % sample_every == 0 or index == calls:
                    series.append({"calls": index, "rss_mib": round(desk.rss_bytes() / 2**20, 1),
                                   "fds": open_fds(pid), "s": round(time.monotonic() - began, 1)})
            elapsed = time.monotonic() - began
            end_rss, end_fds = desk.rss_bytes(), open_fds(pid)
            alive = desk.proc.poll() is None
            pops = len(pop_latencies(desk.log_file))
            cpu_s = desk.cpu_seconds()
            os.write(desk._master, b"\x11")  # ctrl+q: the desk's own quit
            try:
                exit_code: int | None = desk.proc.wait(timeout=30)
            except Exception:
                exit_code = None
    return {"calls": calls, "elapsed_s": elapsed, "cycles": cycles, "series": series, "alive": alive,
            "exit_code": exit_code, "base_rss": base_rss, "end_rss": end_rss, "base_fds": base_fds,
            "end_fds": end_fds, "pops": pops, "cpu_s": cpu_s, "warm_up": warm_up}


def figures(result: dict[str, Any]) -> list[Figure]:
    """The benchmark's figures, judged against their targets."""
    calls = result["calls"]
    growth = (result["end_rss"] - result["base_rss"]) / result["base_rss"]
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
    emit("desk_soak", figures(result), calls=calls, warm_up=result["warm_up"], series=result["series"],
         fds=[result["base_fds"], result["end_fds"]], quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
