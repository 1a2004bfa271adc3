"""Playing and exporting recordings from the trainer's console (review and model calls).

A recording is always downloaded into the export folder first (the monitor does the same), so "export"
works on every machine and "play" has a file to play. Playing goes to a `RecordingPlayer` when one is
given (the phone engine's audio, as in the monitor), else to the default sound device through
PortAudio; a machine with neither (a headless box) gets the exported file's path instead.
"""

from __future__ import annotations

import logging
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_tui.ui.monitor.dates import export_folder, safe_name
from agent_tui.ui.monitor.services import RecordingPlayer
from agent_tui.ui.train.review_api import ReviewBackend

log = logging.getLogger(__name__)


class NoSoundDevice(RuntimeError):
    """This machine has no sound output to play on."""


class SoundDevicePlayer:
    """Plays a WAV on the default output device (PortAudio through `sounddevice`), on its own thread."""

    def play(self, path: Path) -> None:
        """Start playing `path`; raises NoSoundDevice when there is no output device."""
        try:
            import sounddevice
        except (ImportError, OSError) as error:
            raise NoSoundDevice(f"no audio library: {error}") from error
        try:
            sounddevice.query_devices(kind="output")
        except Exception as error:  # PortAudio says "no default output device" in several ways
            raise NoSoundDevice(str(error) or "no output device") from error
        threading.Thread(target=self._play, args=(sounddevice, path), name="review-playback",
                         daemon=True).start()

    @staticmethod
    def _play(sounddevice: Any, path: Path) -> None:
        try:
            with wave.open(str(path), "rb") as wav:
                rate, channels = wav.getframerate(), wav.getnchannels()
                frames = wav.readframes(wav.getnframes())
            with sounddevice.RawOutputStream(samplerate=rate, channels=channels, dtype="int16") as stream:
                stream.write(frames)
        except Exception as error:
            log.warning("playing %s failed: %s", path, error)


@dataclass
class Played:
    """What play did: the exported file, and whether it is playing."""

    path: Path
    playing: bool
    why_not: str = ""


class RecordingAccess:
    """Export and play recordings for the console's screens."""

    def __init__(self, review: ReviewBackend, player: RecordingPlayer | None = None,
                 export_dir: Path | None = None) -> None:
        self.review = review
        self.player: RecordingPlayer | None = player if player is not None else SoundDevicePlayer()
        self.export_dir = export_dir

    def target(self, call_id: str, prefix: str) -> Path:
        """Where the recording of `call_id` is exported."""
        return export_folder(self.export_dir) / f"{prefix}-{safe_name(call_id)}.wav"

    async def export(self, call_id: str, prefix: str = "training") -> Path:
        """Download the recording into the export folder; its path."""
        return await self.review.download_recording(call_id, self.target(call_id, prefix))

    async def play(self, call_id: str, prefix: str = "training") -> Played:
        """Export, then play where there is sound."""
        path = await self.export(call_id, prefix)
        if self.player is None:
            return Played(path, False, "no player")
        try:
            self.player.play(path)
        except NoSoundDevice as error:
            return Played(path, False, str(error))
        return Played(path, True)
