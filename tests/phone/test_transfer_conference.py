"""Blind and attended transfer with the case headers travelling, and a three-way conference."""

from __future__ import annotations

from pathlib import Path

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    CallStats,
    ConferenceChanged,
    IncomingCall,
    Transferred,
)
from tests.phone.conftest import Bots
from tests.phone.support import EventLog
from tests.support.audio_checks import dominant_frequency, read_pcm


def _answered_call_from(engine: PhoneEngine, events: EventLog, bots: Bots, *args: str) -> str:
    bots.start("--dial", f"sip:agent@{engine.info.address}", *args)
    ring = events.wait(IncomingCall)
    engine.answer(ring.call_id)
    events.wait(CallState, call_id=ring.call_id, state="confirmed")
    return ring.call_id


def test_blind_transfer_carries_the_customer_id(engine: PhoneEngine, events: EventLog, bots: Bots) -> None:
    target = bots.start()
    call_id = _answered_call_from(engine, events, bots)
    caller = bots.peers[-1]
    engine.blind_transfer(call_id, target.uri(), {"X-Customer-Id": "C-77", "X-Ticket-Id": "T-1"})
    refer = caller.until("transferred")
    assert refer["role"] == "transferee"
    assert refer["headers"]["X-Customer-Id"] == "C-77"
    incoming = target.until("incoming")
    assert incoming["headers"]["X-Customer-Id"] == "C-77"
    assert incoming["headers"]["X-Ticket-Id"] == "T-1"
    done = events.wait(Transferred, call_id=call_id)
    assert done.ok
    assert events.wait(CallEnded, call_id=call_id).reason == "transferred"
    target.until("answered")


def test_attended_transfer_then_tone_reaches_the_target(
    engine: PhoneEngine, events: EventLog, bots: Bots, tmp_path: Path
) -> None:
    target = bots.start("--record", str(tmp_path / "target"), "--stats-interval", "1")
    call_id = _answered_call_from(engine, events, bots, "--tone", "440")
    caller = bots.peers[-1]
    consult_id = engine.consult(call_id, target.uri(), {"X-Customer-Id": "C-88"})
    events.wait(CallState, call_id=call_id, state="held")
    consult_ring = target.until("incoming")
    assert consult_ring["headers"]["X-Customer-Id"] == "C-88"
    events.wait(CallState, call_id=consult_id, state="confirmed")
    engine.complete_transfer(call_id, consult_id)
    assert events.wait(Transferred, call_id=call_id).ok
    assert events.wait(CallEnded, call_id=call_id).reason == "transferred"
    events.wait(CallEnded, call_id=consult_id)
    assert caller.until("transferred")["role"] == "transferee"
    target.until("answered", call_id=consult_ring["call_id"])  # the consultation itself
    replaced = target.until("answered", call_id=consult_ring["call_id"])  # same id, new party
    assert "replaced" in replaced["reason"]
    target.until("stats", call_id=consult_ring["call_id"])  # a second of the caller's audio
    target.until("stats", call_id=consult_ring["call_id"])
    assert target.stop() == 0
    path = Path(target.events("recording")[0]["path"])
    tail = dominant_frequency(path, start_s=read_pcm(path).seconds - 0.8)
    assert 400 <= tail <= 480, tail


def test_conference_mixes_one_party_into_the_other(
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
    mixed_at = len(events.events)
    for _ in range(2):
        events.wait(CallStats, call_id=b, where=lambda s: events.events.index(s) > mixed_at)
    engine.hangup(b)
    events.wait(CallEnded, call_id=b)
    assert events.wait(ConferenceChanged).call_ids == ()
    path = Path(listener.until("recording")["path"])
    tail = dominant_frequency(path, start_s=read_pcm(path).seconds - 0.8)
    assert 400 <= tail <= 480, tail
