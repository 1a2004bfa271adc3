"""Calls through a real sound server: PortAudio → ALSA → the pulse plugin → PulseAudio null sinks.

The agent's headset is the null sink `headset` (sink A), the desk speaker `speaker` (sink B), the
microphone the monitor of the sink `mic`, which paplay feeds with 1000 Hz. What each device played
is recorded from its monitor with parec; a bot peer sends 440 Hz and records what it receives.
Tones are judged per 100 ms slice (`tone_presence` / `tone_peak`), like the other tone tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import (
    AudioDevicesChanged,
    CallEnded,
    CallState,
    CallStats,
    EngineError,
    EngineStopped,
    IncomingCall,
)
from agent_tui.phone.options import EngineOptions
from tests.audio.pulse import RATE, PulseServer, Recording
from tests.phone.conftest import Bots
from tests.phone.support import EventLog
from tests.support.audio_checks import (
    TONE_ABSENT,
    TONE_HEARD,
    Pcm,
    read_pcm,
    tone_peak,
    tone_presence,
    tone_shares,
    write_tone_wav,
)
from tests.support.waiting import wait_for


@contextmanager
def running(options: EngineOptions, events: EventLog) -> Iterator[PhoneEngine]:
    """A started engine, stopped cleanly at the end."""
    phone = PhoneEngine(options, events)
    phone.start()
    try:
        yield phone
    finally:
        phone.stop()
    assert events.of(EngineStopped) == [EngineStopped(clean=True)]


def headset_options(tmp_path: Path, **more: object) -> EngineOptions:
    """The agent's phone: microphone and headset on the sound server, named as the server names them."""
    return EngineOptions(null_audio=False, input_device="mic.monitor", output_device="Agent Headset",
                         stats_interval_s=1.0, log_file=tmp_path / "pjsip.log", **more)  # type: ignore[arg-type]


def bridge_summary(tmp_path: Path) -> str:
    """The engine's own account of the headset's buffers (underruns, drops), from its log."""
    log = (tmp_path / "pjsip.log").read_text(errors="replace")
    return "\n".join(line for line in log.splitlines() if "sound bridge" in line)


MIC_SLICES = 5
"""100 ms slices of the microphone's tone the caller must have received (half a second)."""


def heard_slices(pcm: Pcm, hz: float, start_s: float, end_s: float) -> int:
    """How many 100 ms slices of the window carry `hz`."""
    return sum(share > TONE_HEARD for share in tone_shares(pcm, hz, start_s, end_s))


def talk(events: EventLog, call_id: str, seconds: int = 2) -> None:
    """Let audio flow: each CallStats is a second of the call."""
    for _ in range(seconds):
        events.wait(CallStats, call_id=call_id, timeout=15)


def test_a_call_through_pulseaudio_both_ways(pulse: PulseServer, bots: Bots, mic_tone: Path,
                                             tmp_path: Path) -> None:
    headset = pulse.record("headset.monitor", "headset")
    pulse.play("mic", mic_tone)
    events = EventLog()
    with running(headset_options(tmp_path), events) as phone:
        bot = bots.start("--tone", "440", "--record", str(tmp_path / "bot"), "--calls", "1")
        before = headset.position()
        call_id = phone.make_call(bot.uri())
        events.wait(CallState, call_id=call_id, state="confirmed", timeout=15)
        answered = headset.position()
        talk(events, call_id, 3)
        ended = headset.position()
        phone.hangup(call_id)
        events.wait(CallEnded, call_id=call_id)
    heard = headset.stop()
    # The caller's 440 Hz reached the agent's headset sink, and nothing did before the call.
    assert tone_presence(heard, 440, answered + 0.5, ended) > TONE_HEARD
    assert tone_peak(heard, 440, 0, before) < TONE_ABSENT
    assert tone_peak(heard, 1000, 0, ended) < TONE_ABSENT  # our microphone is not played back to us
    # The microphone's 1000 Hz reached the caller (the bot records both directions, mixed).
    # Counted in slices, not as a median: a capture stream's first block comes up to ~2 s after it
    # opened on a loaded machine (see `stall_rule`), which is within a short call.
    sent = read_pcm(Path(bot.until("recording", timeout=15)["path"]))
    assert heard_slices(sent, 1000, 0.5, sent.seconds) >= MIC_SLICES, bridge_summary(tmp_path)


def test_switching_the_headset_mid_call_moves_the_voice_and_keeps_the_call(
        pulse: PulseServer, bots: Bots, mic_tone: Path, tmp_path: Path) -> None:
    sink_a = pulse.record("headset.monitor", "sink-a")
    sink_b = pulse.record("speaker.monitor", "sink-b")
    pulse.play("mic", mic_tone)
    events = EventLog()
    with running(headset_options(tmp_path), events) as phone:
        bot = bots.start("--tone", "440", "--record", str(tmp_path / "bot"), "--calls", "1")
        call_id = phone.make_call(bot.uri())
        events.wait(CallState, call_id=call_id, state="confirmed", timeout=15)
        answered_a = sink_a.position()
        talk(events, call_id)
        # A device that does not exist: refused, and the headset stays where it was.
        phone.switch_audio("Nowhere Speaker")
        refused = events.wait(EngineError, command="switch_audio")
        assert "no output device matches 'Nowhere Speaker'" in refused.message
        switching_a, switching_b = sink_a.position(), sink_b.position()
        phone.switch_audio("Desk Speaker")
        assert events.wait(AudioDevicesChanged) == AudioDevicesChanged(input="mic.monitor", output="speaker")
        switched_a, switched_b = sink_a.position(), sink_b.position()
        talk(events, call_id, 3)
        end_a, end_b = sink_a.position(), sink_b.position()
        assert events.of(CallEnded) == []  # the same call went on
        phone.hangup(call_id)
        ended = events.wait(CallEnded, call_id=call_id)
    a, b = sink_a.stop(), sink_b.stop()
    assert ended.duration_s >= 4.0
    # Before the switch on A only; from a moment after it (what the server still held drains) on B only.
    assert tone_presence(a, 440, answered_a + 0.5, switching_a) > TONE_HEARD
    assert tone_peak(b, 440, 0, switching_b) < TONE_ABSENT
    assert tone_peak(a, 440, switched_a + 0.3, end_a) < TONE_ABSENT
    assert tone_presence(b, 440, switched_b + 0.3, end_b) > TONE_HEARD
    # The microphone kept reaching the caller after the switch (the 3 s the bot recorded last).
    sent = read_pcm(Path(bot.until("recording", timeout=15)["path"]))
    assert heard_slices(sent, 1000, sent.seconds - 3.0, sent.seconds) >= MIC_SLICES, bridge_summary(tmp_path)


def _ringing(recording: Recording) -> bool:
    """The last half second of the recording rings all along (every 100 ms slice)."""
    now = recording.position()
    return now > 0.6 and min(tone_shares(recording.pcm(), 800, now - 0.5, now)) > TONE_HEARD


def test_the_ring_plays_on_the_speaker_and_the_voice_on_the_headset(
        pulse: PulseServer, bots: Bots, mic_tone: Path, tmp_path: Path) -> None:
    ring = write_tone_wav(tmp_path / "ring.wav", 800, 1.0, rate=RATE, amplitude=0.5)
    sink_a = pulse.record("headset.monitor", "sink-a")
    sink_b = pulse.record("speaker.monitor", "sink-b")
    pulse.play("mic", mic_tone)
    events = EventLog()
    options = headset_options(tmp_path, ring_device="Desk Speaker", ring_file=ring, ring_volume=0.5)
    with running(options, events) as phone:
        bot = bots.start("--tone", "440", "--dial", f"sip:agent@{phone.info.address}", "--calls", "1")
        call_id = events.wait(IncomingCall, timeout=15).call_id
        wait_for(lambda: _ringing(sink_b), 10.0, interval=0.1, message="the ring on the speaker")
        rang_b = sink_b.position()
        answer_a, answer_b = sink_a.position(), sink_b.position()
        phone.answer(call_id)
        events.wait(CallState, call_id=call_id, state="confirmed", timeout=15)
        confirmed_a, confirmed_b = sink_a.position(), sink_b.position()
        talk(events, call_id)
        end_a, end_b = sink_a.position(), sink_b.position()
        phone.hangup(call_id)
        events.wait(CallEnded, call_id=call_id)
    a, b = sink_a.stop(), sink_b.stop()
    assert bot.until("ended", timeout=15)
    # Ringing: on the speaker only, at the configured volume.
    assert tone_presence(b, 800, rang_b - 0.5, answer_b) > TONE_HEARD
    # The loudest sample: 0.5 of a 0.5 sine is ~8190 (the file's own 16383); gaps from a late
    # callback on a loaded machine do not change it.
    loudest = max(abs(sample) for sample in b.window(rang_b - 0.5, rang_b).samples)
    assert 7000 < loudest < 9500
    assert tone_peak(a, 800, 0, end_a) < TONE_ABSENT
    # After the answer: the ring stops, the voice is on the headset and not on the speaker.
    assert tone_peak(b, 800, confirmed_b + 0.3, end_b) < TONE_ABSENT
    assert tone_peak(b, 440, 0, end_b) < TONE_ABSENT
    assert tone_peak(a, 440, 0, answer_a) < TONE_ABSENT
    assert tone_presence(a, 440, confirmed_a + 0.5, end_a) > TONE_HEARD
