"""Playing a WAV into a call: heard by the other side, kept across hold, reported at its end."""

from __future__ import annotations

from pathlib import Path

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    CallStats,
    EngineError,
    PlaybackFinished,
    RecordingReady,
)
from tests.phone.conftest import Bots
from tests.phone.support import EventLog
from tests.support.audio_checks import active_seconds, dominant_frequency, write_tone_wav


def test_file_reaches_the_other_side_survives_hold_and_ends_with_an_event(
    engine: PhoneEngine, events: EventLog, bots: Bots, tmp_path: Path
) -> None:
    wav = write_tone_wav(tmp_path / "greeting.wav", 660, 3.0, rate=16000)
    bot = bots.start("--record", str(tmp_path / "bot"), "--calls", "1")
    call_id = engine.make_call(bot.uri())
    events.wait(CallState, call_id=call_id, state="confirmed")
    engine.play_file(call_id, wav)
    engine.hold(call_id)  # the re-INVITEs give the call a new bridge port: the player must follow
    events.wait(CallState, call_id=call_id, state="held")
    engine.resume(call_id)
    events.wait(CallState, call_id=call_id, state="resumed")
    done = events.wait(PlaybackFinished, call_id=call_id, timeout=8)
    assert done == PlaybackFinished(call_id, str(wav), "eof")
    engine.hangup(call_id)
    events.wait(CallEnded, call_id=call_id)
    heard = Path(bot.until("recording")["path"])
    assert 620 <= dominant_frequency(heard) <= 700, dominant_frequency(heard)
    # Without rewiring after the hold, only the part before it (well under a second) would be heard.
    assert active_seconds(heard) >= 2.0, active_seconds(heard)
    ours = Path(events.wait(RecordingReady, call_id=call_id).path)
    assert 620 <= dominant_frequency(ours) <= 700  # what we played is in our own recording as well


def test_stop_replace_bad_file_and_call_end(
    engine: PhoneEngine, events: EventLog, bots: Bots, tmp_path: Path
) -> None:
    long_wav = write_tone_wav(tmp_path / "long.wav", 500, 30.0, rate=8000)
    other_wav = write_tone_wav(tmp_path / "other.wav", 700, 30.0, rate=8000)
    stereo = write_tone_wav(tmp_path / "stereo.wav", 500, 0.5, channels=2)
    bot = bots.start("--calls", "1")
    call_id = engine.make_call(bot.uri())
    events.wait(CallState, call_id=call_id, state="confirmed")

    engine.play_file(call_id, long_wav)
    engine.stop_playback(call_id)
    assert events.wait(PlaybackFinished, call_id=call_id).reason == "stopped"
    engine.stop_playback(call_id)
    assert "nothing is playing" in events.wait(EngineError, command="stop_playback").message

    engine.play_file(call_id, stereo)
    assert "mono 16-bit" in events.wait(EngineError, command="play_file").message
    engine.play_file(call_id, tmp_path / "missing.wav")
    assert "missing.wav" in events.wait(EngineError, command="play_file").message
    engine.play_file("no-such-call", long_wav)
    assert "no call" in events.wait(EngineError, command="play_file").message

    engine.play_file(None, other_wav)  # into every call
    engine.play_file(call_id, long_wav)
    engine.play_file(call_id, other_wav)  # replaces the one playing into this call
    replaced = events.wait(PlaybackFinished, call_id=call_id)
    assert (replaced.path, replaced.reason) == (str(long_wav), "stopped")
    events.wait(CallStats, call_id=call_id)
    engine.hangup(call_id)
    ended = events.wait(PlaybackFinished, call_id=call_id)
    assert (ended.path, ended.reason) == (str(other_wav), "call ended")
    events.wait(CallEnded, call_id=call_id)
    engine.stop_playback(None)
    assert events.wait(PlaybackFinished, call_id=None).reason == "stopped"
