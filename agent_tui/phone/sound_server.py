"""The sound server's own devices (PulseAudio, or PipeWire's PulseAudio service), by their own names.

PortAudio reaches a sound server through ALSA's `pulse` plugin (Debian `libasound2-plugins`) as
one device named "pulse"; it cannot tell a headset from a speaker behind it. The server can: this
module lists its sinks and sources (`pactl --format=json`, Debian `pulseaudio-utils`) and opens
PortAudio's "pulse" device aimed at one of them.

How a stream is aimed: libpulse reads `PULSE_SINK` / `PULSE_SOURCE` when the ALSA plugin creates
its connection, which happens inside PortAudio's open call (measured: < 1 ms). So those variables are
set around the open, under one lock, and put back at once; a stream already open keeps its device.
This also finds a headset plugged in after the start, which PortAudio's own device list (made once,
when PortAudio starts) would not show. Over SSH the same works with `PULSE_SERVER` pointing at the
forwarded server.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

DeviceKind = Literal["input", "output"]
PORTAUDIO_NAME = "pulse"
"""PortAudio's name (ALSA's PCM) for the sound server."""
_ENV = {"input": "PULSE_SOURCE", "output": "PULSE_SINK"}
_aiming = threading.Lock()
_LIST_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class ServerDevice:
    """One sink (output) or source (input) as the sound server names it."""

    name: str
    """The server's name, e.g. `alsa_output.usb-Jabra_Evolve_40-00.analog-stereo`."""
    description: str
    """What people call it, e.g. "Jabra Evolve 40 Analog Stereo"."""
    kind: DeviceKind
    monitor: bool = False
    """A sink's monitor source (hears what the sink plays): usable as an input, rarely wanted."""


Runner = Callable[[Sequence[str]], str]
"""Runs a command, returns its standard output; raises OSError or CalledProcessError on failure."""


def _run(argv: Sequence[str]) -> str:
    return subprocess.run(  # noqa: S603 - our own fixed pactl command line
        list(argv), capture_output=True, text=True, check=True, timeout=_LIST_TIMEOUT_S).stdout


def list_devices(runner: Runner | None = None) -> list[ServerDevice] | None:
    """Every sink and source of the sound server, or None when there is none (or no `pactl`)."""
    if runner is None:
        if shutil.which("pactl") is None:
            return None
        runner = _run
    found: list[ServerDevice] = []
    try:
        for kind, what in (("output", "sinks"), ("input", "sources")):
            for entry in json.loads(runner(["pactl", "--format=json", "list", what]) or "[]"):
                found.append(_device(entry, kind))  # type: ignore[arg-type]
    except (OSError, subprocess.SubprocessError, ValueError, TypeError, KeyError):
        return None  # no server, an old pactl without JSON, or something we do not understand
    return found


def _device(entry: Mapping[str, Any], kind: DeviceKind) -> ServerDevice:
    name = str(entry["name"])
    properties = entry.get("properties") or {}
    monitor = kind == "input" and (
        str(properties.get("device.class", "")) == "monitor" or name.endswith(".monitor"))
    return ServerDevice(name=name, description=str(entry.get("description") or name), kind=kind,
                        monitor=monitor)


def find(spec: str, kind: DeviceKind, devices: Sequence[ServerDevice]) -> ServerDevice | None:
    """The device `spec` names: the exact server name, else an exact description, else the first
    name or description that contains it (case-insensitive); monitors only when named exactly."""
    wanted = spec.strip().lower()
    if not wanted:
        return None
    usable = [device for device in devices if device.kind == kind]
    for test in (lambda d: d.name.lower() == wanted,
                 lambda d: d.description.lower() == wanted,
                 lambda d: not d.monitor and (wanted in d.name.lower() or wanted in d.description.lower())):
        for device in usable:
            if test(device):
                return device
    return None


@contextlib.contextmanager
def aimed_at(input_name: str | None, output_name: str | None) -> Iterator[None]:
    """While open: streams opened on PortAudio's "pulse" device use these server devices
    (None: the server's default). Only the open itself needs to happen inside."""
    with _aiming:
        saved = {var: os.environ.get(var) for var in _ENV.values()}
        try:
            for kind, name in (("input", input_name), ("output", output_name)):
                if name is None:
                    os.environ.pop(_ENV[kind], None)
                else:
                    os.environ[_ENV[kind]] = name
            yield
        finally:
            for var, value in saved.items():
                if value is None:
                    os.environ.pop(var, None)
                else:
                    os.environ[var] = value
