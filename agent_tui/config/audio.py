"""`[audio]` and `[recording]`: the sound devices of the call and the ring, and local call recording."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PlainValidator

from agent_tui import paths
from agent_tui.config.errors import describe
from agent_tui.config.section import FilePath, Section


def _device(value: object) -> str | int:
    # One validator instead of a `str | int` union, whose errors would be reported twice.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f'expected a device name, an index or "null", got {describe(value)}')
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"expected a device index >= 0, got {value}")
        return value
    if not value.strip():
        raise ValueError('expected a device name, an index or "null", got an empty string')
    return value.strip()


AudioDevice = Annotated[str | int, PlainValidator(_device)]
"""A sound device: its name (or part of it), its index, `"default"` or `"null"` (no audio)."""


class AudioSettings(Section):
    """Sound devices (a headset for the call, a speaker for the ring)."""

    capture_device: AudioDevice = "default"
    """Microphone: a device name (or part of it), an index from `agent-tui audio list`, `"default"`, or
    `"null"` for no audio."""
    playback_device: AudioDevice = "default"
    """Earpiece of the call, chosen the same way."""
    ring_device: AudioDevice = "default"
    """Where the ring tone plays (e.g. the desk speaker), chosen the same way; `"null"` rings on no
    device (the desk still shows the call)."""
    ring_file: FilePath | None = None
    """The ring tone: a 16-bit PCM WAV, played in a loop at its own sample rate; unset plays a built-in
    450 Hz tone, 1 s on and 4 s off."""
    ring_volume: float = Field(default=0.8, ge=0.0, le=1.0)
    """Loudness of the ring tone, 0.0 (silent) to 1.0 (as loud as the file)."""
    sample_rate: Literal[8000, 16000, 32000, 48000] = 16000
    """Sample rate of the sound devices in Hz."""


class RecordingSettings(Section):
    """Local call recording."""

    enabled: bool = False
    """Record every call as a WAV file."""
    directory: FilePath | None = None
    """Folder of the recordings; by default `recordings` in the state dir (see `agent-tui config path`)."""
    keep_days: int = Field(default=30, ge=1, le=3650)
    """Delete recordings older than this many days."""

    def resolve_directory(self) -> Path:
        """The recordings folder, created when needed."""
        if self.directory is None:
            return paths.recordings_dir()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.directory
