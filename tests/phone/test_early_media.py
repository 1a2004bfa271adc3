"""Outgoing calls before the answer: local ringback on 180, the far end's early media on 183 + SDP.

The engine runs with the headset bridge on a fake sound card, so what the agent hears is measured.
SIPp plays the callee; it sends no RTP, so after the answer (and during its early media) the agent
hears silence.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState, EngineStopped
from agent_tui.phone.options import EngineOptions
from tests.phone.fake_sound import FakeSoundCard
from tests.phone.support import EventLog
from tests.support.audio_checks import dominant_frequency, rms_level, tone_power
from tests.support.sip_peers import Sipp
from tests.support.waiting import wait_for


@pytest.fixture
def card() -> FakeSoundCard:
    """The fake headset."""
    return FakeSoundCard()


@pytest.fixture
def phone(tmp_path: Path, card: FakeSoundCard, events: EventLog) -> Iterator[PhoneEngine]:
    """An engine whose audio goes through the bridge to the fake headset."""
    options = EngineOptions(null_audio=False, audio_stream_factory=card.factory, stats_interval_s=0,
                            log_file=tmp_path / "pjsip.log", log_level=5)
    engine = PhoneEngine(options, events)
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()
    assert events.of(EngineStopped) == [EngineStopped(clean=True)]


def _after_answer(phone: PhoneEngine, events: EventLog, card: FakeSoundCard, call_id: str) -> float:
    """Wait for the answer and half a second of audio after it; hang up. Returns when it was answered."""
    events.wait(CallState, call_id=call_id, state="confirmed")
    answered = time.monotonic()
    wait_for(lambda: card.blocks_after(answered + 0.2) >= 25, 5.0, message="0.5 s of audio after the answer")
    phone.hangup(call_id)
    events.wait(CallEnded, call_id=call_id)
    return answered


def test_180_plays_the_local_ringback_until_the_answer(
    phone: PhoneEngine, events: EventLog, card: FakeSoundCard, sipp: Sipp
) -> None:
    callee = sipp.uas("uas_180_then_200.xml", duration_ms=2000)
    call_id = phone.make_call(f"sip:agent@{callee.address}")
    ringing = events.wait(CallState, call_id=call_id, state="ringing")
    rang_at = time.monotonic()
    assert ringing.code == 180
    answered = _after_answer(phone, events, card, call_id)
    result = callee.wait(15)
    assert result.ok, result.explain()

    # From ~0.1 s after the 180: 1 s of 425 Hz, then silence (the 4 s pause) until the answer at 2 s.
    ringback = card.heard(rang_at + 0.3, rang_at + 1.0)
    assert 400 <= dominant_frequency(ringback) <= 450
    assert tone_power(ringback, 425) > 0.8
    assert rms_level(card.heard(rang_at + 1.5, answered - 0.1)) < 0.002  # the cadence's off time
    assert rms_level(card.heard(answered + 0.2)) < 0.002  # stopped at the answer (SIPp sends no RTP)
    assert not [e for e in events.of(CallState) if e.call_id == call_id and e.state == "early"]


def test_183_with_sdp_is_early_media_and_no_local_ringback(
    phone: PhoneEngine, events: EventLog, card: FakeSoundCard, sipp: Sipp
) -> None:
    callee = sipp.uas("uas_183_early_media.xml", duration_ms=1000)
    call_id = phone.make_call(f"sip:agent@{callee.address}")
    early = events.wait(CallState, call_id=call_id, state="early")
    early_at = time.monotonic()
    assert early.code == 183
    answered = _after_answer(phone, events, card, call_id)
    result = callee.wait(15)
    assert result.ok, result.explain()

    assert rms_level(card.heard(early_at + 0.1, answered)) < 0.002  # the far end's (silent) media, not ours
    assert not [e for e in events.of(CallState) if e.call_id == call_id and e.state == "ringing"]
