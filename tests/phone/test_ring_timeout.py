"""Rings nobody answers end: SIPp callers that let it ring and never CANCEL get 480 after the ring timeout.

Found before: INVITEs left ringing with no CANCEL were never timed out, so they kept pjsua's call slots
(4 in this build) and every later call got 486 for as long as anyone waited. Now each abandoned ring
ends after `ring_timeout_s` with 480 Temporarily Unavailable and `CallEnded(missed=True)`, and a new
call rings and is answered after any number of them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from agent_tui.cli import build_parser
from agent_tui.config import DeskSettings
from agent_tui.phone.bot import bot_options
from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState, IncomingCall
from agent_tui.phone.options import CALL_LIMIT, EngineOptions
from tests.phone.conftest import Bots
from tests.phone.support import EventLog
from tests.support.sip_peers import Sipp

SCENARIO = str(Path(__file__).with_name("uac_ring_no_answer.xml"))
RING_TIMEOUT_S = 1.5
LATE_S = 3.0
"""How much later than the timeout a 480 may come on this loaded, shared machine (the engine checks
its timers every loop turn, 50 ms when idle)."""


@pytest.fixture
def engine_options(engine_options: EngineOptions) -> EngineOptions:
    """The shared headless engine with a short ring timeout."""
    return dataclasses.replace(engine_options, ring_timeout_s=RING_TIMEOUT_S)


def _answer_one_call(engine: PhoneEngine, events: EventLog, sipp: Sipp, seen: set[str]) -> None:
    """A normal caller rings, is answered before the timeout, talks past it and hangs up itself."""
    run = sipp.start_uac(engine.info.address, duration_ms=int(RING_TIMEOUT_S * 1000) + 1000)
    ring = events.wait(IncomingCall, timeout=20, where=lambda e: e.call_id not in seen)
    engine.answer(ring.call_id)
    events.wait(CallState, timeout=10, call_id=ring.call_id, state="confirmed")
    ended = events.wait(CallEnded, timeout=20, call_id=ring.call_id)
    assert (ended.reason, ended.missed) == ("remote hangup", False)  # the ring timer died with the answer
    assert ended.duration_s >= RING_TIMEOUT_S
    result = run.wait(20)
    assert result.ok, result.explain()


def test_abandoned_rings_get_480_after_the_timeout_and_never_block_later_calls(
    engine: PhoneEngine, events: EventLog, sipp: Sipp
) -> None:
    calls = 5 * CALL_LIMIT  # the 20 of the report: five times the call slots, the cap's worth at once
    run = sipp.start(SCENARIO, engine.info.address, calls=calls, rate=50, limit=CALL_LIMIT,
                     recv_timeout_ms=15_000, global_timeout_s=90)
    result = run.wait(100)
    assert result.ok, result.explain()
    assert result.responses().count(480) == calls
    assert 486 not in result.responses()  # never more rings than slots: none was turned away
    assert len(result.rtt_ms) == calls
    low, high = RING_TIMEOUT_S * 1000 - 60, (RING_TIMEOUT_S + LATE_S) * 1000
    assert all(low <= rtt <= high for rtt in result.rtt_ms), result.rtt_ms
    print(f"{calls} abandoned rings: 480 after {min(result.rtt_ms):.0f}-{max(result.rtt_ms):.0f} ms "
          f"(timeout {RING_TIMEOUT_S * 1000:.0f} ms)")

    rings = events.of(IncomingCall)
    assert len(rings) == calls
    ends = [events.wait(CallEnded, timeout=10, call_id=ring.call_id) for ring in rings]
    assert {(e.reason, e.code, e.missed, e.duration_s) for e in ends} == {("missed", 480, True, 0.0)}

    _answer_one_call(engine, events, sipp, {ring.call_id for ring in rings})


def test_a_burst_beyond_the_call_cap_is_refused_at_once_and_the_rest_time_out(
    engine: PhoneEngine, events: EventLog, sipp: Sipp
) -> None:
    calls = 2 * CALL_LIMIT  # all at once: pjsua itself turns the ones beyond its slots away with 486
    run = sipp.start(SCENARIO, engine.info.address, calls=calls, rate=1000, limit=calls,
                     recv_timeout_ms=15_000, global_timeout_s=60)
    result = run.wait(70)
    assert result.ok, result.explain()
    codes = result.responses()
    assert codes.count(480) + codes.count(486) == calls
    assert codes.count(480) == CALL_LIMIT
    rings = events.of(IncomingCall)
    assert len(rings) == CALL_LIMIT
    for ring in rings:
        assert events.wait(CallEnded, timeout=10, call_id=ring.call_id).missed

    _answer_one_call(engine, events, sipp, {ring.call_id for ring in rings})


def test_the_bot_refuses_a_ring_it_does_not_answer_in_time(bots: Bots, sipp: Sipp) -> None:
    bot = bots.start("--ring-timeout", str(RING_TIMEOUT_S), "--answer-after", "30")
    run = sipp.start(SCENARIO, bot.address, calls=1, recv_timeout_ms=15_000, global_timeout_s=30)
    incoming = bot.until("incoming", timeout=15)
    ended = bot.until("ended", timeout=15, call_id=incoming["call_id"])
    assert (ended["reason"], ended["code"], ended["missed"]) == ("missed", 480, True)
    result = run.wait(30)
    assert result.ok, result.explain()
    assert result.responses().count(480) == 1


@pytest.mark.parametrize(("extra", "expected"), [([], 12.0), (["--ring-timeout", "0"], 0.0)])
def test_the_bot_takes_the_ring_timeout_from_the_config_unless_told_otherwise(
    tmp_path: Path, extra: list[str], expected: float
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[desk]\nring_timeout_s = 12\n")
    args = build_parser().parse_args(["bot", "--config", str(config), *extra])
    assert bot_options(args).ring_timeout_s == expected


def test_the_product_default_rings_30_s() -> None:
    assert EngineOptions().ring_timeout_s == DeskSettings().ring_timeout_s == 30.0
