"""Soak of one phone engine: 1,000 sequential calls, then 20 calls at once.

This pjsua2 wheel holds at most 4 calls at once, whatever `maxCalls` asks: pjsua clamps it to the
compile-time PJSUA_MAX_CALLS (4 here) at libInit, proven in tests/phone/test_call_capacity.py and
read by the engine from the library (`EngineStarted.max_calls`). The engine refuses the 5th with
"call limit reached", so the 20-call figure reports the cap and fails its target honestly (a build
with a larger PJSUA_MAX_CALLS lifts it with no code change); the refusals are counted too.

The engine runs in this process (recording every call, as a desk would) and calls another engine
that answers at once, in another process (`bench.phone_setup peer`). (Measured: the bare pjsua2
peer of `phone_setup` answers 488 from its 278th call on, so it is no far end for a soak.)
Memory (RSS) and open descriptors are read after a warm-up of 100 calls and again at the end:
growth beyond 10% or any new descriptor is a leak. Call set-ups are paced (pjsua2 aborts beyond
~30 set-ups per 0.5 s in one process).
"""

from __future__ import annotations

import os
import queue
import sys
import tempfile
import time
from pathlib import Path

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState, CallStats, EngineStopped, PhoneEvent
from agent_tui.phone.options import EngineOptions
from bench.phone_setup import PACE_S, Peer, peer_args
from bench.report import Figure, emit

SEQUENTIAL = 1000
WARM_UP = 100
CONCURRENT = 20


def rss_kib() -> int:
    """This process's resident set size in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def open_fds() -> int:
    """How many descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


class Events:
    """The engine's listener: every event on a queue; notes how the engine stopped."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[PhoneEvent] = queue.SimpleQueue()
        self.stopped: EngineStopped | None = None

    def __call__(self, event: PhoneEvent) -> None:
        if isinstance(event, EngineStopped):
            self.stopped = event
        self.queue.put(event)


def one_call(engine: PhoneEngine, events: Events, target: str) -> bool:
    """Place one call, hang up once it is confirmed; True when it was answered and ended."""
    began = time.monotonic()
    call_id = engine.make_call(target)
    answered = ended = False
    deadline = began + 20
    while not ended and time.monotonic() < deadline:
        try:
            event = events.queue.get(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            break
        if getattr(event, "call_id", None) != call_id:
            continue
        if isinstance(event, CallState) and event.state == "confirmed":
            answered = True
            engine.hangup(call_id)
        elif isinstance(event, CallEnded):
            ended = True
    pause = PACE_S - (time.monotonic() - began)
    if pause > 0:
        time.sleep(pause)  # pacing between set-ups, not a wait for a result
    return answered and ended


def concurrent_calls(engine: PhoneEngine, events: Events, target: str) -> tuple[int, int, int, int, str]:
    """Try CONCURRENT calls at once; (confirmed, with audio, ended, refused at the cap), first failure."""
    ids: list[str] = []
    for _ in range(CONCURRENT):
        ids.append(engine.make_call(target))
        time.sleep(PACE_S)  # pacing between set-ups
    confirmed: set[str] = set()
    with_audio: set[str] = set()
    ended: set[str] = set()
    failure = ""
    refused: set[str] = set()
    held = min(CONCURRENT, engine.info.max_calls)
    deadline = time.monotonic() + 15
    while (len(confirmed) < held or len(with_audio) < held) and time.monotonic() < deadline:
        try:
            event = events.queue.get(timeout=0.5)
        except queue.Empty:
            continue
        if isinstance(event, CallState) and event.state == "confirmed":
            confirmed.add(event.call_id)
        elif isinstance(event, CallStats) and event.rx_packets > 0:
            with_audio.add(event.call_id)
        elif isinstance(event, CallEnded):
            ended.add(event.call_id)
            failure = failure or event.reason
            if "call limit reached" in event.reason:
                refused.add(event.call_id)
    for call_id in confirmed:
        engine.hangup(call_id)
    deadline = time.monotonic() + 15
    while len(ended) < len(ids) and time.monotonic() < deadline:
        try:
            event = events.queue.get(timeout=0.5)
        except queue.Empty:
            continue
        if isinstance(event, CallEnded):
            ended.add(event.call_id)
    return (len(confirmed & set(ids)), len(with_audio & set(ids)), len(ended & set(ids)),
            len(refused & set(ids)), failure)


def measure() -> tuple[list[Figure], str]:
    """Run the soak and return its figures."""
    peer = Peer(peer_args("engine", "callee", "1001", None))
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as workdir:
        try:
            target = f"sip:1001@{peer.next('ready')['ready']}"
            events = Events()
            options = EngineOptions(recording_dir=Path(workdir) / "rec", stats_interval_s=1.0)
            engine = PhoneEngine(options, events)
            engine.start()
            failed = 0
            rss_base = fds_base = 0
            began = time.monotonic()
            try:
                for number in range(SEQUENTIAL):
                    if number == WARM_UP:
                        rss_base, fds_base = rss_kib(), open_fds()
                    if not one_call(engine, events, target):
                        failed += 1
                elapsed = time.monotonic() - began
                rss_end, fds_end = rss_kib(), open_fds()
                cap = engine.info.max_calls
                confirmed, with_audio, ended, refused, failure = concurrent_calls(engine, events, target)
            finally:
                engine.stop()
        finally:
            peer_code = peer.finish()
        recordings = len(list((Path(workdir) / "rec").glob("*.wav")))
    growth = 100.0 * (rss_end - rss_base) / rss_base
    clean = events.stopped is not None and events.stopped.clean and peer_code == 0
    figures = [
        Figure(
            "sequential calls answered and ended",
            SEQUENTIAL - failed,
            "calls",
            f"== {SEQUENTIAL}",
            failed == 0,
        ),
        Figure("sequential call rate (paced)", round(SEQUENTIAL / elapsed, 1), "calls/s"),
        Figure("recordings written", recordings, "files", f">= {SEQUENTIAL}", recordings >= SEQUENTIAL),
        Figure(
            f"RSS growth, call {WARM_UP} → {SEQUENTIAL}", round(growth, 2), "%", "<= 10 %", growth <= 10.0
        ),
        Figure("RSS after the soak", round(rss_end / 1024, 1), "MiB"),
        Figure(
            f"open descriptors, call {WARM_UP} → {SEQUENTIAL}",
            fds_end - fds_base,
            "fds",
            "<= 0",
            fds_end <= fds_base,
        ),
        Figure(
            f"concurrent calls held ({CONCURRENT} tried; this pjsua2 build caps at {cap})",
            confirmed,
            "calls",
            f">= {CONCURRENT}",
            confirmed >= CONCURRENT,
        ),
        Figure("concurrent calls with audio (of those held)", with_audio, "calls", f"== {confirmed}",
               with_audio == confirmed and confirmed > 0),
        Figure("calls over the cap refused with 'call limit reached'", refused, "calls",
               f"== {CONCURRENT - cap}", refused == CONCURRENT - cap),
        Figure("concurrent calls ended (held or refused)", ended, "calls", f">= {CONCURRENT}",
               ended >= CONCURRENT),
        Figure("clean engine stop, peer exit 0", 1 if clean else 0, "", "== 1", clean),
    ]
    return figures, failure


def main() -> int:
    """Run the benchmark and print its JSON."""
    figures, failure = measure()
    emit("phone_soak", figures, first_concurrent_failure=failure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
