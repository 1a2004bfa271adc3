"""Voicemail files: the message cut out of the call's recording, and its id towards the backend.

The engine records the whole answered call (pjsua2 `AudioMediaRecorder`, what we play mixed in), so
the message is the part after the beep: `message_wav` drops the recording's first seconds.
"""

from __future__ import annotations

import os
import re
import wave
from pathlib import Path

ID_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""What the backend takes as a voicemail id (agent_tui.server.voicemails.ID_PATTERN)."""


def voicemail_id(pbx_call_id: str | None, call_id: str) -> str:
    """The PBX's call id when it gave a usable one (so a retried upload is the same voicemail), else
    ours."""
    if pbx_call_id and ID_OK.fullmatch(pbx_call_id):
        return pbx_call_id
    return f"vm-{call_id}"


def message_wav(recording: Path, target: Path, skip_s: float) -> float:
    """Write `recording` without its first `skip_s` seconds to `target`; the message's seconds."""
    with wave.open(str(recording), "rb") as source:
        params = source.getparams()
        rate = source.getframerate()
        source.setpos(min(int(max(skip_s, 0.0) * rate), source.getnframes()))
        frames = source.readframes(source.getnframes())
    temp = target.with_suffix(".part")
    with wave.open(str(temp), "wb") as out:
        out.setnchannels(params.nchannels)
        out.setsampwidth(params.sampwidth)
        out.setframerate(rate)
        out.writeframes(frames)
    os.replace(temp, target)
    return len(frames) / (params.sampwidth * params.nchannels) / rate
