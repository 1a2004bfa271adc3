"""Delay and loss on loopback (100 ms a packet, 5 % lost) in a network namespace the test makes:
calls through Kamailio to the real desk (tmux) still complete, and the pop shows "slow lookup (N.N s)".

Everything runs inside the namespace: the backend, Kamailio, SIPp, tmux with the desk, and this test's
own sockets (its thread enters the namespace; see tests/faults/netns.py). The peers start before the
impairment (their readiness probes wait only 200 ms for an answer); the desk starts after it, so its
login, registration, health pings, lookups and SIP all cross the slow, lossy loopback (each packet is
delayed 100 ms: 200 ms per round trip).

Which impairment ran: `tc qdisc ... netem delay 100ms loss 5%` where the kernel has sch_netem;
on kernels without it (this project's machines: "Specified qdisc kind is unknown", no modules) the
same figures from iptables: `-o lo -j NFQUEUE` to a delay line process (tests/faults/nfqueue_delay.py)
and `-i lo -m statistic --mode random --probability 0.05 -j DROP`. The test prints which one and the
link's measured figures (UDP pings, tests/faults/link_probe.py) and asserts them: round trips of at
least 200 ms, some pings lost.

"The pop shows slow": the desk is configured (`AGENT_TUI_DESK__SLOW_LOOKUP_S`, i.e. `desk.slow_lookup_s`)
to call a lookup slow below one round trip, so every lookup over this link is slow: the ringing card
must show "[slow lookup (N.N s)]" with N.N at least one round trip, before the call is answered, and
the desk's own pop latency (logged "screen pop CALL: N ms", INVITE seen to card painted) is at least
one round trip too.
"""

from __future__ import annotations

import os
import re
import uuid
from functools import partial
from pathlib import Path

import pytest

from bench._desk_harness import pop_latencies
from tests.e2e.backend import RealBackend
from tests.e2e.conftest import TerminalFactory
from tests.e2e.test_desk_repair_order import AGENT, answer_after_pop, banner, ring, start_desk
from tests.faults.link_probe import probe
from tests.faults.netns import network_namespace
from tests.support.peers import require_binary
from tests.support.sip_peers import Kamailio, Sipp
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

DELAY_MS = 100.0
LOSS_PERCENT = 5.0
ROUND_TRIP_MS = 2 * DELAY_MS
PINGS = 100
CALLS = 2
SLOW_LOOKUP_S = 0.15
"""Below one round trip: every lookup over this link is slow."""
SLOW_MARK = re.compile(r"\[slow lookup \((\d+\.\d) s\)\]")


def popped_slow(name: str, screen: str) -> bool:
    """`name` is on the ringing banner and the card carries the slow-lookup mark."""
    return name in banner(screen) and SLOW_MARK.search(screen) is not None


def test_calls_complete_over_a_delayed_lossy_loopback(
    terminal: TerminalFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kamailio_bin = require_binary("kamailio", "kamailio")
    sipp_bin = require_binary("sipp", "sip-tester")
    monkeypatch.setenv("AGENT_TUI_DESK__SLOW_LOOKUP_S", str(SLOW_LOOKUP_S))  # start_desk passes os.environ
    name = f"agenttui-{uuid.uuid4().hex[:8]}"
    with network_namespace(name) as ns:
        for sub in ("backend", "kamailio", "sipp"):
            (tmp_path / sub).mkdir()
        backend = RealBackend(tmp_path / "backend")
        registrar = Kamailio(kamailio_bin, tmp_path / "kamailio")
        sipp = Sipp(sipp_bin, tmp_path / "sipp")
        try:
            backend.start()
            registrar.start()
            api = backend.client(AGENT)
            customers = [api.single_match_customer()]
            customers.append(api.single_match_customer(skip_names={customers[0]["name"]}))
            api.close()
            mechanism = ns.impair(DELAY_MS, LOSS_PERCENT)
            link = probe(PINGS)
            print(f"impairment: {mechanism} ({ns.describe()}); measured: {link.summary()}")
            assert link.median_round_trip_ms >= ROUND_TRIP_MS, link.summary()
            assert 0 < link.round_trip_loss < 0.35, link.summary()

            term = start_desk(terminal, backend, registrar, tmp_path)
            # "SIP ok" already shows when the registrar answers OPTIONS; over this link the REGISTER
            # exchange (with its digest challenge) can still be retrying: a call then gets a 404.
            pjsip_log = tmp_path / "pjsip.log"  # beside the desk's log (agent_tui/phone/from_settings.py)
            wait_for(lambda: "registration success" in pjsip_log.read_text(errors="replace"), 30,
                     message="the desk registered at Kamailio")
            marks: list[float] = []
            for customer in customers[:CALLS]:
                call = ring(sipp, registrar, customer)
                screen = term.wait_for_screen(
                    partial(popped_slow, customer["name"]), 20,
                    message=f"{customer['name']} popped with a slow-lookup mark while ringing")
                found = SLOW_MARK.search(screen)
                assert found is not None
                marks.append(float(found.group(1)))
                answer_after_pop(term, customer)
                term.send_keys("F4")
                term.wait_for_text("Call ended", 15)
                result = call.wait(30)
                assert "BYE" in result.requests_received(), result.explain()
            log = tmp_path / "desk.log"
            latencies = wait_for(lambda: list(pop_latencies(log).values()) or None, 10,
                                 message="the desk's pop latencies")
            print(f"slow lookup marks: {marks} s; pop latencies: {latencies} ms")
            assert len(latencies) == CALLS, latencies
            assert min(latencies) >= ROUND_TRIP_MS, f"pops faster than a round trip: {latencies}"
            assert min(marks) >= ROUND_TRIP_MS / 1000, f"lookups faster than a round trip: {marks}"
            assert mechanism != "nfqueue" or ns.delay_line_alive(), "the delay line died mid-test"
            assert term.quit_desk(30) == 0
            term.close()
        finally:
            sipp.stop_all()
            registrar.stop()
            backend.stop()
        leftovers = sipp.leftover_pids() + registrar.leftover_pids() + backend.leftover_pids()
        assert not leftovers, f"processes left running: {leftovers}"
    print(f"delay line: {ns.delay_line_report or '-'}")


def test_namespace_helper_leaves_nothing_behind(tmp_path: Path) -> None:
    """Entering and leaving the namespace restores this thread's own namespace and deletes it."""
    before = os.readlink("/proc/thread-self/ns/net")
    name = f"agenttui-{uuid.uuid4().hex[:8]}"
    with network_namespace(name) as ns:
        inside = os.readlink("/proc/thread-self/ns/net")
        assert inside != before
        assert "lo" in ns.run(ns.ip, "-o", "link", "show", "up").stdout
    assert os.readlink("/proc/thread-self/ns/net") == before
    assert not (Path("/run/netns") / name).exists()
