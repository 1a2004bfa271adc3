"""The earpiece WAV of a headless engine: what the agent would hear, on the engine's clock."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agent_tui.phone.engine import PhoneEngine, PhoneEngineError
from agent_tui.phone.events import CallEnded, CallState, CallStats, EngineStopped
from agent_tui.phone.options import EngineOptions
from tests.phone.conftest import Bots
from tests.phone.fake_sound import FakeSoundCard
from tests.phone.support import EventLog
from tests.support.audio_checks import TONE_ABSENT, TONE_HEARD, read_pcm, rms_level, tone_peak, tone_presence

RINGBACK, FAR_END = 425.0, 1000.0


def test_the_earpiece_holds_the_ringback_then_the_far_end(tmp_path: Path, bots: Bots) -> None:
    events = EventLog()
    earpiece = tmp_path / "ear" / "agent.wav"
    phone = PhoneEngine(EngineOptions(log_file=tmp_path / "pjsip.log", earpiece_file=earpiece,
                                      stats_interval_s=0.5), events)
    phone.start()
    zero = time.time()
    try:
        far = bots.start("--tone", str(FAR_END), "--answer-after", "1.5", "--calls", "1")
        dialled = time.time()
        call_id = phone.make_call(far.uri())
        events.wait(CallState, call_id=call_id, state="confirmed", timeout=10.0)
        answered = time.time()
        for _ in range(3):  # 1.5 s of the far end's voice
            events.wait(CallStats, call_id=call_id, timeout=10.0)
        phone.hangup(call_id)
        events.wait(CallEnded, call_id=call_id, timeout=10.0)
        hung_up = time.time()
    finally:
        phone.stop()
    stopped = time.time()
    assert events.of(EngineStopped) == [EngineStopped(clean=True)]
    pcm = read_pcm(earpiece)
    # The file runs on the bridge's clock from the start, silence included (times map onto it), until
    # the engine's shutdown closes it.
    assert hung_up - zero - 0.3 < pcm.seconds < stopped - zero + 0.1, (pcm.seconds, hung_up - zero)
    # Nothing before the call: silence (an RMS level works on however short a window the bot's start
    # left; tone slices need 0.1 s each).
    assert rms_level(pcm, 0.0, dialled - zero) < 0.001
    ringing = (dialled - zero + 0.3, answered - zero - 0.2)
    assert tone_presence(pcm, RINGBACK, *ringing) > TONE_HEARD
    talking = (answered - zero + 0.3, hung_up - zero - 0.1)
    assert tone_presence(pcm, FAR_END, *talking) > TONE_HEARD
    assert tone_peak(pcm, RINGBACK, *talking) < TONE_ABSENT


def test_the_earpiece_needs_the_null_device(tmp_path: Path) -> None:
    card = FakeSoundCard()
    phone = PhoneEngine(EngineOptions(null_audio=False, audio_stream_factory=card.factory,
                                      earpiece_file=tmp_path / "ear.wav", log_file=tmp_path / "pjsip.log"))
    with pytest.raises(PhoneEngineError, match="earpiece"):
        phone.start()
    events = EventLog()
    after = PhoneEngine(EngineOptions(log_file=tmp_path / "pjsip2.log"), events)  # the process is fine
    after.start()
    after.stop()
    assert events.of(EngineStopped) == [EngineStopped(clean=True)]
