"""`agent-tui audio list|test`: the sound devices PortAudio sees, and a loopback level test.

Needs the `audio` extra (`sounddevice`) and PortAudio (Debian `libportaudio2`); without them it
says so and exits with 1. pjsua2 itself has no sound devices compiled in: calls use its null
device, or a bridge to these devices.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

_MISSING = (
    "no audio support: {why}\n"
    "install the audio extra (pip install 'agent-tui[audio]') and PortAudio (Debian: libportaudio2)"
)


def _sounddevice() -> Any:
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: the module is there but PortAudio is not
        raise RuntimeError(_MISSING.format(why=exc)) from None
    return sounddevice


def run(args: argparse.Namespace) -> int:
    """Run `audio list` or `audio test`; the exit code."""
    try:
        sd = _sounddevice()
        devices = list(sd.query_devices())
    except Exception as exc:
        print(f"agent-tui audio: {exc}", file=sys.stderr)
        return 1
    if not devices:
        print("agent-tui audio: PortAudio sees no sound device", file=sys.stderr)
        return 1
    if args.audio_command == "list":
        for index, device in enumerate(devices):
            ins, outs = int(device["max_input_channels"]), int(device["max_output_channels"])
            print(f"{index:3d}  {device['name']}  (in {ins}, out {outs})")
        return 0
    return _level_test(sd)


def _level_test(sd: Any) -> int:
    """Record one second from the default input while playing a tone; print the input level."""
    import math

    rate = 16000
    tone = [[0.3 * math.sin(2 * math.pi * 440 * n / rate)] for n in range(rate)]
    try:
        recorded = sd.playrec(tone, samplerate=rate, channels=1, blocking=True)
    except Exception as exc:
        print(f"agent-tui audio: the loopback test failed: {exc}", file=sys.stderr)
        return 1
    level = math.sqrt(sum(float(frame[0]) ** 2 for frame in recorded) / max(len(recorded), 1))
    print(f"input level: {level:.4f} RMS ({'sound' if level > 0.01 else 'silence'} heard)")
    return 0 if level > 0.01 else 1
