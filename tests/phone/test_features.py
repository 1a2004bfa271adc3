"""Auto-answer, call waiting, mute, split and cancelling a consultation, against bot peers."""

from __future__ import annotations

import time
from pathlib import Path

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    CallStats,
    ConferenceChanged,
    EngineStopped,
    IncomingCall,
)
from agent_tui.phone.options import EngineOptions
from tests.phone.conftest import Bots
from tests.phone.support import EventLog
from tests.support.audio_checks import dominant_frequency, read_pcm, rms_level


def _stats_after(events: EventLog, call_id: str, count: int = 1) -> None:
    """Wait for `count` CallStats of `call_id` sent after now (1 s of audio each at the test interval)."""
    mark = len(events.events)
    for _ in range(count):
        events.wait(CallStats, call_id=call_id, where=lambda s: events.events.index(s) >= mark)


def test_auto_answer(tmp_path: Path, bots: Bots) -> None:
    events = EventLog()
    engine = PhoneEngine(EngineOptions(auto_answer=True, log_file=tmp_path / "pjsip.log"), events)
    engine.start()
    try:
        bot = bots.start("--dial", f"sip:agent@{engine.info.address}", "--calls", "1")
        ring = events.wait(IncomingCall)
        events.wait(CallState, call_id=ring.call_id, state="confirmed")  # no answer command was sent
        bot.until("answered")
        engine.hangup(ring.call_id)
        events.wait(CallEnded, call_id=ring.call_id)
        assert bot.wait_exit() == 0
    finally:
        engine.stop()
    assert events.of(EngineStopped) == [EngineStopped(clean=True)]


def test_call_waiting_second_call_while_on_a_call(engine: PhoneEngine, events: EventLog, bots: Bots) -> None:
    uri = f"sip:agent@{engine.info.address}"
    first_bot = bots.start("--dial", uri, "--calls", "1")
    first = events.wait(IncomingCall)
    assert not first.waiting
    engine.answer(first.call_id)
    events.wait(CallState, call_id=first.call_id, state="confirmed")
    second_bot = bots.start("--dial", uri, "--calls", "1", "--header", "X-Queue=billing")
    second = events.wait(IncomingCall)
    assert second.waiting
    assert second.headers["X-Queue"] == "billing"
    engine.hold(first.call_id)
    events.wait(CallState, call_id=first.call_id, state="held")
    first_bot.until("held")
    engine.answer(second.call_id)
    events.wait(CallState, call_id=second.call_id, state="confirmed")
    second_bot.until("answered")
    engine.hangup(second.call_id)
    events.wait(CallEnded, call_id=second.call_id)
    engine.resume(first.call_id)
    events.wait(CallState, call_id=first.call_id, state="resumed")
    first_bot.until("resumed")
    assert [e.call_id for e in events.of(CallEnded)] == [second.call_id]  # the first call lives on
    engine.hangup(first.call_id)
    events.wait(CallEnded, call_id=first.call_id)


def test_mute_silences_what_the_other_side_hears_and_unmute_brings_it_back(
    engine: PhoneEngine, events: EventLog, bots: Bots, tmp_path: Path
) -> None:
    bot = bots.start("--record", str(tmp_path / "bot"), "--calls", "1")
    engine.play_tone(440)
    call_id = engine.make_call(bot.uri())
    events.wait(CallState, call_id=call_id, state="confirmed")
    confirmed_at = time.monotonic()
    _stats_after(events, call_id)
    engine.mute(call_id)
    muted_at = time.monotonic()
    _stats_after(events, call_id, 2)
    engine.unmute(call_id)
    unmuted_at = time.monotonic()
    _stats_after(events, call_id, 2)
    hangup_at = time.monotonic()
    engine.hangup(call_id)
    events.wait(CallEnded, call_id=call_id)
    path = Path(bot.until("recording")["path"])
    assert 400 <= dominant_frequency(path, end_s=muted_at - confirmed_at) <= 480
    muted = rms_level(path, muted_at - confirmed_at + 0.3, unmuted_at - confirmed_at - 0.1)
    assert muted < 0.005, muted
    # By the clock, not the file's tail: silence may be written after the hang-up on a busy machine.
    tail = dominant_frequency(
        path, start_s=unmuted_at - confirmed_at + 0.3, end_s=hangup_at - confirmed_at - 0.1
    )
    assert 400 <= tail <= 480, tail


def test_split_ends_the_mixing_but_keeps_both_calls(
    engine: PhoneEngine, events: EventLog, bots: Bots, tmp_path: Path
) -> None:
    talker = bots.start("--tone", "440")
    listener = bots.start("--record", str(tmp_path / "listener"))
    a = engine.make_call(talker.uri())
    events.wait(CallState, call_id=a, state="confirmed")
    b = engine.make_call(listener.uri())
    events.wait(CallState, call_id=b, state="confirmed")
    engine.conference(a, b)
    assert set(events.wait(ConferenceChanged).call_ids) == {a, b}
    _stats_after(events, b)
    engine.split(a, b)
    assert events.wait(ConferenceChanged).call_ids == ()
    _stats_after(events, b, 2)
    assert not events.of(CallEnded)  # both calls are still up
    engine.hangup(b)
    events.wait(CallEnded, call_id=b)
    engine.hangup(a)
    events.wait(CallEnded, call_id=a)
    path = Path(listener.until("recording")["path"])
    assert 400 <= dominant_frequency(path) <= 480  # it heard the talker while mixed...
    tail = rms_level(path, start_s=read_pcm(path).seconds - 0.8)
    assert tail < 0.005, tail  # ...and nothing after the split (we send silence)


def test_cancel_consult_drops_the_consultation_and_resumes_the_caller(
    engine: PhoneEngine, events: EventLog, bots: Bots
) -> None:
    target = bots.start()
    caller = bots.start("--dial", f"sip:agent@{engine.info.address}", "--calls", "1")
    ring = events.wait(IncomingCall)
    engine.answer(ring.call_id)
    events.wait(CallState, call_id=ring.call_id, state="confirmed")
    consult_id = engine.consult(ring.call_id, target.uri(), {"X-Customer-Id": "C-5"})
    events.wait(CallState, call_id=ring.call_id, state="held")
    caller.until("held")
    events.wait(CallState, call_id=consult_id, state="confirmed")
    assert target.until("incoming")["headers"]["X-Customer-Id"] == "C-5"
    engine.cancel_consult(ring.call_id, consult_id)
    assert events.wait(CallEnded, call_id=consult_id).reason == "local hangup"
    events.wait(CallState, call_id=ring.call_id, state="resumed")
    caller.until("resumed")
    assert target.until("ended")["reason"] == "remote hangup"
    engine.hangup(ring.call_id)
    events.wait(CallEnded, call_id=ring.call_id)
    assert caller.wait_exit() == 0
