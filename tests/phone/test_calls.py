"""Calls between the engine (this process) and `agent-tui bot` peers, no registrar."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    CallStats,
    DtmfReceived,
    EngineError,
    IncomingCall,
    RecordingReady,
)
from agent_tui.phone.options import EngineOptions
from tests.phone.conftest import Bots
from tests.phone.support import EventLog
from tests.support.audio_checks import dominant_frequency


def test_incoming_call_with_headers_answer_hold_dtmf_hangup(
    engine: PhoneEngine, events: EventLog, bots: Bots
) -> None:
    target = f"sip:agent@{engine.info.address}"
    bot = bots.start("--dial", target, "--header", "X-Customer-Id=C-42", "--header", "X-Queue=repairs",
                     "--dtmf", "12#", "--calls", "1")
    ring = events.wait(IncomingCall)
    assert ring.headers["X-Customer-Id"] == "C-42"
    assert ring.headers["X-Queue"] == "repairs"
    assert ring.number == "agent"
    assert not ring.waiting
    engine.answer(ring.call_id)
    events.wait(CallState, call_id=ring.call_id, state="confirmed")
    bot.until("answered")
    digits = [events.wait(DtmfReceived, call_id=ring.call_id).digit for _ in range(3)]
    assert digits == ["1", "2", "#"]
    assert {e.method for e in events.of(DtmfReceived)} == {"rfc2833"}

    engine.hold(ring.call_id)
    events.wait(CallState, call_id=ring.call_id, state="held")
    bot.until("held")
    engine.resume(ring.call_id)
    events.wait(CallState, call_id=ring.call_id, state="resumed")
    bot.until("resumed")

    engine.send_dtmf(ring.call_id, "7", "info")
    got = bot.until("dtmf", digit="7")
    assert got["method"] == "info"

    engine.hangup(ring.call_id)
    ended = events.wait(CallEnded, call_id=ring.call_id)
    assert ended.reason == "local hangup"
    assert ended.duration_s > 0
    assert ended.stats is not None
    assert ended.stats.codec == "PCMA/8000"
    assert bot.until("ended")["reason"] == "remote hangup"
    assert bot.wait_exit() == 0


def test_reject_busy(engine: PhoneEngine, events: EventLog, bots: Bots) -> None:
    bot = bots.start("--dial", f"sip:agent@{engine.info.address}", "--calls", "1")
    ring = events.wait(IncomingCall)
    engine.reject(ring.call_id, 486)
    assert events.wait(CallEnded, call_id=ring.call_id).reason == "rejected"
    assert bot.until("ended")["code"] == 486


def test_outgoing_call_tone_reaches_the_other_side_also_after_hold(
    engine: PhoneEngine, events: EventLog, bots: Bots, tmp_path: Path
) -> None:
    record = tmp_path / "bot-recordings"
    bot = bots.start("--record", str(record), "--calls", "1")
    engine.play_tone(440)
    call_id = engine.make_call(bot.uri(), {"X-Ticket-Id": "T-7"})
    assert events.wait(CallState, call_id=call_id, state="calling").direction == "outbound"
    events.wait(CallState, call_id=call_id, state="confirmed")
    confirmed_at = time.monotonic()
    incoming = bot.until("incoming")
    assert incoming["headers"]["X-Ticket-Id"] == "T-7"
    events.wait(CallStats, call_id=call_id)  # a second of audio has flowed
    engine.hold(call_id)
    events.wait(CallState, call_id=call_id, state="held")
    engine.resume(call_id)
    events.wait(CallState, call_id=call_id, state="resumed")
    resumed_at = time.monotonic()
    mark = len(events.events)
    events.wait(CallStats, call_id=call_id, where=lambda s: events.events.index(s) > mark)
    hangup_at = time.monotonic()
    engine.hangup(call_id)
    events.wait(CallEnded, call_id=call_id)
    path = Path(bot.until("recording")["path"])
    assert path.parent == record
    hz = dominant_frequency(path)
    assert 400 <= hz <= 480, hz
    # The window between resume and hang-up, by the clock: the file's tail may hold silence written
    # after the hang-up when the machine is busy.
    after_resume = dominant_frequency(
        path, start_s=resumed_at - confirmed_at + 0.3, end_s=hangup_at - confirmed_at - 0.1
    )
    assert 400 <= after_resume <= 480, after_resume
    ours = events.wait(RecordingReady, call_id=call_id)
    assert Path(ours.path).is_file()


def test_a_call_over_the_limit_is_refused_with_a_clear_error(
    engine_options: EngineOptions, events: EventLog, bots: Bots
) -> None:
    phone = PhoneEngine(replace(engine_options, max_calls=1), events)
    assert phone.start().max_calls == 1  # never more than CALL_LIMIT (4), what this pjsua2 build holds
    try:
        bot = bots.start("--calls", "1")
        first = phone.make_call(bot.uri())
        events.wait(CallState, call_id=first, state="confirmed")
        second = phone.make_call(bot.uri())
        error = events.wait(EngineError, command="make_call", call_id=second)
        assert "call limit reached: this phone holds at most 1 calls at once" in error.message
        assert events.wait(CallEnded, call_id=second).reason.startswith("failed: call limit reached")
        phone.hangup(first)
        events.wait(CallEnded, call_id=first)
    finally:
        phone.stop()
