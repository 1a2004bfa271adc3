"""A callback's voicemail, heard before the agent calls back: played on the sound device when the machine
has one, else exported to a file whose path the agent is told.

The audio comes from `GET /v1/voicemails/{id}/audio` (a WAV, with the same role rules as recordings). It is
always written to the export folder first (private, written whole then renamed), so export works on every
machine and the player has a file; a body that is not a WAV is refused with a clear error and no file.
"""

from __future__ import annotations

import logging
import re
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from agent_tui.paths import state_dir
from agent_tui.phone.audio_devices import sound_available
from agent_tui.phone.device_choice import sounddevice_module
from agent_tui.private_files import private_folder, write_private
from agent_tui.sync.client import BackendClient
from agent_tui.sync.responses import raise_for_status

log = logging.getLogger(__name__)


class NotAudio(ValueError):
    """The voicemail's body is not a WAV recording."""


class VoicemailSource(Protocol):
    """Where a voicemail's audio comes from."""

    async def voicemail_audio(self, voicemail_id: str) -> bytes:
        """The WAV bytes of the voicemail."""


class BackendVoicemails:
    """Voicemails from the backend (`GET /v1/voicemails/{id}/audio`)."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    async def voicemail_audio(self, voicemail_id: str) -> bytes:
        """The audio, or a typed error (404, 403...) from the backend."""
        response = await self.client.send("GET", f"/v1/voicemails/{quote(voicemail_id, safe='')}/audio",
                                          headers={"Accept": "audio/wav"})
        raise_for_status(response)
        return response.content


def is_wav(data: bytes) -> bool:
    """A RIFF/WAVE header (what the phone and the PBX integration record)."""
    return len(data) > 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE"


def export_path(voicemail_id: str, folder: Path | None = None) -> Path:
    """Where the voicemail is exported."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", voicemail_id)[:80] or "voicemail"
    return private_folder(folder or state_dir() / "exports") / f"voicemail-{name}.wav"


@dataclass(frozen=True)
class Heard:
    """What was done with a voicemail: the exported file, and whether it is playing."""

    path: Path
    playing: bool


class VoicemailPlayer:
    """Fetches, exports and plays voicemails; `sound` says whether the machine can play (tests set it)."""

    def __init__(self, source: VoicemailSource, *, folder: Path | None = None,
                 sound: bool | None = None) -> None:
        self.source = source
        self.folder = folder
        self.sound = sound

    async def hear(self, voicemail_id: str) -> Heard:
        """Export the voicemail, then play it when there is a sound device; raises NotAudio."""
        data = await self.source.voicemail_audio(voicemail_id)
        if not is_wav(data):
            raise NotAudio(f"voicemail {voicemail_id} is not a WAV recording")
        target = export_path(voicemail_id, self.folder)
        partial = target.with_name(target.name + ".part")
        write_private(partial, data)
        partial.replace(target)
        sound = sound_available() if self.sound is None else self.sound
        if sound:
            threading.Thread(target=_play, args=(target,), name="voicemail-playback", daemon=True).start()
        return Heard(target, sound)


def _play(path: Path) -> None:
    """Play a WAV on the default output device (its own thread; a failure is logged, the file stays)."""
    try:
        sd = sounddevice_module()
        with wave.open(str(path), "rb") as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            frames = wav.readframes(wav.getnframes())
        dtype = {1: "uint8", 2: "int16", 4: "int32"}.get(width, "int16")
        with sd.RawOutputStream(samplerate=rate, channels=channels, dtype=dtype) as stream:
            stream.write(frames)
    except Exception as error:
        log.warning("playing the voicemail %s failed: %s", path, error)
