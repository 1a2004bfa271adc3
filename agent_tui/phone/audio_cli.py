"""`agent-tui audio list|test`: the devices an agent can choose, and a test of the configured ones.

`list` names the sound server's devices as the server does (PulseAudio or PipeWire, through
`pactl`), then PortAudio's; any of those names goes into `[audio]`. `test` plays a second of
440 Hz on the configured earpiece (and on the ring device) while it records the configured
microphone, and prints the microphone's level. Needs the `audio` extra (`sounddevice`) and PortAudio
(Debian `libportaudio2`); the sound server's devices need ALSA's pulse plugin (Debian
`libasound2-plugins`). Without them it says so and exits with 1.
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
from collections.abc import Callable
from typing import Any

from agent_tui.phone.audio_bridge import FRAME_SAMPLES, SAMPLE_RATE
from agent_tui.phone.audio_devices import listing
from agent_tui.phone.device_choice import AudioDeviceError, DeviceChoice, resolve_pair, sounddevice_module
from agent_tui.phone.sound_server import aimed_at

HEARD_RMS = 0.01
"""Microphone level (fraction of full scale) above which the test counts sound as heard."""


def run(args: argparse.Namespace) -> int:
    """Run `audio list` or `audio test`; the exit code."""
    if args.audio_command == "list":
        return _list()
    return _test(args)


def _list() -> int:
    found = listing(monitors=True)
    for problem in found.problems:
        print(f"agent-tui audio: {problem}", file=sys.stderr)
    if not found.options:
        print("agent-tui audio: no sound device", file=sys.stderr)
        return 1
    for option in found.options:
        print(f"{option.kind:<6}  {option.name}  ({option.description})")
    return 0


def _test(args: argparse.Namespace) -> int:
    from agent_tui.config import ConfigError, load_config

    try:
        audio = load_config(args.config).audio
    except ConfigError as exc:
        print(f"agent-tui audio: {exc}", file=sys.stderr)
        return 2
    if "null" in (audio.capture_device, audio.playback_device):
        print("agent-tui audio: the config says null audio (no devices to test)", file=sys.stderr)
        return 1
    try:
        sd = sounddevice_module()
        microphone, earpiece = resolve_pair(str(audio.capture_device), str(audio.playback_device))
        ring = None if audio.ring_device == "null" else resolve_pair(None, str(audio.ring_device))[1]
        level = _play_and_record(sd, microphone, earpiece, ring)
    except AudioDeviceError as exc:
        print(f"agent-tui audio: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # PortAudio's own errors: a busy device, an unsupported rate...
        print(f"agent-tui audio: the test failed: {exc}", file=sys.stderr)
        return 1
    heard = level > HEARD_RMS
    ring_text = f", ring {ring.label!r}" if ring is not None else ""
    print(f"played 440 Hz on {earpiece.label!r}{ring_text}; microphone {microphone.label!r}: "
          f"level {level:.4f} RMS ({'sound' if heard else 'silence'} heard)")
    return 0 if heard else 1


def _looping(tone: bytes) -> Callable[..., None]:
    """A PortAudio output callback that plays `tone` over and over."""
    position = 0

    def played(outdata: Any, frames: int, time: Any, status: Any) -> None:
        nonlocal position
        start = position % len(tone)
        outdata[:] = (tone[start:] + tone)[: len(outdata)]
        position = start + len(outdata)

    return played


def _play_and_record(sd: Any, microphone: DeviceChoice, earpiece: DeviceChoice,
                     ring: DeviceChoice | None) -> float:
    """One second of 440 Hz out, one second in; the input's RMS level (0.0-1.0)."""
    wave = (int(9800 * math.sin(2 * math.pi * 440 * n / SAMPLE_RATE)) for n in range(SAMPLE_RATE))
    tone = b"".join(value.to_bytes(2, "little", signed=True) for value in wave)
    recorded = bytearray()
    done = threading.Event()

    def heard(indata: Any, frames: int, time: Any, status: Any) -> None:
        recorded.extend(bytes(indata))
        if len(recorded) >= len(tone):
            done.set()

    common = {"samplerate": SAMPLE_RATE, "blocksize": FRAME_SAMPLES, "channels": 1, "dtype": "int16"}
    streams = []
    try:
        with aimed_at(microphone.server_name, earpiece.server_name):
            streams.append(sd.RawInputStream(device=microphone.index, callback=heard, **common))
            streams.append(sd.RawOutputStream(device=earpiece.index, callback=_looping(tone), **common))
        if ring is not None and ring != earpiece:
            with aimed_at(None, ring.server_name):
                streams.append(sd.RawOutputStream(device=ring.index, callback=_looping(tone), **common))
        for stream in streams:
            stream.start()
        done.wait(5.0)
    finally:
        for stream in streams:
            stream.stop()
            stream.close()
    samples = [int.from_bytes(recorded[i:i + 2], "little", signed=True)
               for i in range(0, len(recorded) - 1, 2)]
    return math.sqrt(sum(s * s for s in samples) / max(len(samples), 1)) / 32768.0
