"""The headset bridge: jitter buffers, the real pjsua2 frame callbacks, device choice, and a call."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pjsua2 as pj
import pytest

from agent_tui.phone.audio_bridge import (
    FRAME_BYTES,
    AudioBridge,
    AudioDeviceError,
    JitterBuffer,
    open_bridge,
    pick_device,
)
from agent_tui.phone.engine import PhoneEngine, PhoneEngineError
from agent_tui.phone.events import CallEnded, CallState, CallStats, EngineStopped
from agent_tui.phone.options import EngineOptions
from tests.phone.conftest import Bots
from tests.phone.fake_sound import FakeSoundCard
from tests.phone.support import EventLog
from tests.support.audio_checks import dominant_frequency, tone_power

DEVICES: list[dict[str, Any]] = [
    {"name": "HDA Intel PCH: ALC3246 Analog", "max_input_channels": 2, "max_output_channels": 2},
    {"name": "Jabra Evolve 40 Mono", "max_input_channels": 1, "max_output_channels": 2},
    {"name": "HDMI 0", "max_input_channels": 0, "max_output_channels": 8},
]


def frame(data: bytes, kind: int = pj.PJMEDIA_FRAME_TYPE_AUDIO) -> Any:
    """A real pjsua2 MediaFrame holding `data`."""
    made = pj.MediaFrame()
    made.type = kind
    made.buf = pj.ByteVector(data)
    made.size = len(data)
    return made


def numbered(n: int) -> bytes:
    """A 20 ms frame whose bytes say which frame it is."""
    return bytes([n % 256]) * FRAME_BYTES


def test_jitter_buffer_prefills_plays_in_order_and_underruns_to_silence() -> None:
    buffer = JitterBuffer(capacity_frames=4, prefill_frames=2)
    buffer.write(numbered(1))
    assert buffer.read(FRAME_BYTES) == bytes(FRAME_BYTES)  # still filling: silence, audio kept
    buffer.write(numbered(2))
    assert buffer.read(FRAME_BYTES) == numbered(1)
    assert buffer.read(FRAME_BYTES) == numbered(2)
    assert buffer.read(FRAME_BYTES) == bytes(FRAME_BYTES)  # dry: silence
    assert buffer.underruns == 1
    buffer.write(numbered(3))
    assert buffer.read(FRAME_BYTES) == bytes(FRAME_BYTES)  # refilling again before it plays
    buffer.write(numbered(4))
    assert buffer.read(FRAME_BYTES) == numbered(3)


def test_jitter_buffer_drops_the_oldest_down_to_the_prefill_level_when_full() -> None:
    buffer = JitterBuffer(capacity_frames=3, prefill_frames=2)
    for n in range(1, 4):
        buffer.write(numbered(n))
    assert len(buffer) == 3 * FRAME_BYTES
    assert buffer.dropped_bytes == 0
    buffer.write(numbered(4))  # over capacity: keep only the newest two frames (short delay)
    assert buffer.dropped_bytes == 2 * FRAME_BYTES
    buffer.write(numbered(5))
    assert [buffer.read(FRAME_BYTES) for _ in range(3)] == [numbered(3), numbered(4), numbered(5)]


def test_real_frame_callbacks_move_audio_both_ways_through_the_stream_callback() -> None:
    card = FakeSoundCard()
    bridge = AudioBridge(card.factory, None, None)
    assert card.kwargs["samplerate"] == 16000
    assert card.kwargs["blocksize"] == 320
    assert card.kwargs["dtype"] == "int16"
    assert card.kwargs["channels"] == 1

    # Calls → headset: frames the conference bridge puts into the port come out of the stream.
    for n in (1, 2, 3):
        bridge.frame_received(frame(numbered(n)))
    out = bytearray(FRAME_BYTES)
    played = []
    for _ in range(3):
        bridge.stream_callback(bytes(FRAME_BYTES), memoryview(out), 320, None, None)
        played.append(bytes(out))
    assert played == [numbered(1), numbered(2), numbered(3)]
    bridge.stream_callback(bytes(FRAME_BYTES), memoryview(out), 320, None, None)
    assert bytes(out) == bytes(FRAME_BYTES)  # underrun: silence, never stale audio

    # A tick without a transmitter still advances the clock with silence.
    bridge.frame_received(frame(b"", pj.PJMEDIA_FRAME_TYPE_NONE))
    assert len(bridge.speaker) == FRAME_BYTES

    # Headset → calls: what the stream records comes out of the port's frames.
    bridge = AudioBridge(card.factory, None, None)  # (the first one recorded silence above)
    for n in (7, 8):
        bridge.stream_callback(numbered(n), memoryview(bytearray(FRAME_BYTES)), 320, None, None)
    asked = [pj.MediaFrame() for _ in range(3)]
    for made in asked:
        bridge.frame_requested(made)
    assert all(made.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and made.size == FRAME_BYTES for made in asked)
    assert [bytes(made.buf) for made in asked] == [numbered(7), numbered(8), bytes(FRAME_BYTES)]


def test_device_choice_by_index_name_or_part_and_clear_errors() -> None:
    assert pick_device(None, "input", DEVICES) is None
    assert pick_device("default", "output", DEVICES) is None
    assert pick_device("1", "input", DEVICES) == 1
    assert pick_device("jabra", "input", DEVICES) == 1
    assert pick_device("HDMI 0", "output", DEVICES) == 2
    with pytest.raises(AudioDeviceError) as no_input:
        pick_device("HDMI", "input", DEVICES)  # output only
    assert "no input device matches 'HDMI'" in str(no_input.value)
    assert "'Jabra Evolve 40 Mono' (in 1, out 2)" in str(no_input.value)  # lists what exists
    with pytest.raises(AudioDeviceError, match="input device 2 does not exist or has no input"):
        pick_device("2", "input", DEVICES)
    with pytest.raises(AudioDeviceError, match="PortAudio sees no sound device"):
        pick_device("default", "input", [])
    card = FakeSoundCard()
    bridge = open_bridge("jabra", "HDA", card.factory, DEVICES)
    assert card.kwargs["device"] == (1, 0)
    bridge.close()
    assert card.closed


def test_an_unknown_device_fails_the_start_clearly_and_the_next_engine_starts(tmp_path: Path) -> None:
    # Real sounddevice and PortAudio: this machine has no sound card at all.
    options = EngineOptions(null_audio=False, input_device="Jabra", log_file=tmp_path / "pjsip.log")
    with pytest.raises(PhoneEngineError) as failed:
        PhoneEngine(options).start()
    assert "no input device" in str(failed.value)
    assert "PortAudio sees no sound device" in str(failed.value) or "Jabra" in str(failed.value)
    events = EventLog()
    phone = PhoneEngine(EngineOptions(log_file=tmp_path / "pjsip2.log"), events)
    assert phone.start().audio == "null"
    phone.stop()
    assert events.of(EngineStopped) == [EngineStopped(clean=True)]


def test_a_call_through_the_bridge_both_ways(tmp_path: Path, bots: Bots) -> None:
    card = FakeSoundCard(mic_hz=660)
    events = EventLog()
    options = EngineOptions(null_audio=False, audio_stream_factory=card.factory, stats_interval_s=1.0,
                            log_file=tmp_path / "pjsip.log")
    phone = PhoneEngine(options, events)
    started = phone.start()
    try:
        assert started.audio == "portaudio"
        assert card.started.is_set()
        record = tmp_path / "bot-recordings"
        bot = bots.start("--tone", "440", "--record", str(record), "--calls", "1")
        call_id = phone.make_call(bot.uri())
        events.wait(CallState, call_id=call_id, state="confirmed")
        answered = time.monotonic()
        events.wait(CallStats, call_id=call_id)  # a second of audio has flowed both ways
        events.wait(CallStats, call_id=call_id)
        heard = card.heard(start=answered + 0.5)
        phone.hangup(call_id)
        events.wait(CallEnded, call_id=call_id)
        assert 400 <= dominant_frequency(heard) <= 480  # the bot's tone reached the headset
        assert tone_power(heard, 660) < 0.01  # and our own microphone is not played back to us
        # The bot records both directions: its own 440 Hz and what the headset's microphone sent.
        # Without our microphone the share at 660 Hz is ~1e-6; with it, 0.4-0.5 here (rarely ~0.1
        # on a loaded machine, from the bot's side of the line).
        sent = Path(bot.until("recording")["path"])
        assert tone_power(sent, 660, start_s=0.5) > 0.02
    finally:
        phone.stop()
    assert events.of(EngineStopped) == [EngineStopped(clean=True)]
    assert card.closed
