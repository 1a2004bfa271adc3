"""Audio for the demo data's voicemail callbacks, stored as the voice service would store it, so a
desk plays them on any demo backend (`agent-tui server --seed demo`).

The seeded message is a short tone made here (cheap: every test backend seeds the demo data);
`agent-tui demo` adds spoken ones through the API (`agent_tui.demo.voicemails`, espeak-ng).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
import wave
from array import array

from sqlalchemy import select

from agent_tui.domain.callbacks import CallbackReason
from agent_tui.server import recordings
from agent_tui.server.db import Database
from agent_tui.server.models import CallbackRow
from agent_tui.server.settings import ServerSettings
from agent_tui.server.voice_models import VoicemailRow

RATE = 8000
SECONDS = 2.0


def tone_wav(hz: float = 440.0, seconds: float = SECONDS, rate: int = RATE) -> bytes:
    """A mono 16-bit sine tone as WAV bytes."""
    count = int(rate * seconds)
    samples = array("h", (round(8000 * math.sin(2 * math.pi * hz * i / rate)) for i in range(count)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def seed_voicemails(db: Database, settings: ServerSettings) -> int:
    """Give each voicemail callback without audio a message; the number stored."""
    data = tone_wav()
    digest = hashlib.sha256(data).hexdigest()
    target = recordings.path_of(settings, digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(name, target)
    stored = 0
    with db.write() as session:
        for callback in session.execute(
            select(CallbackRow).where(CallbackRow.reason == CallbackReason.VOICEMAIL.value,
                                      CallbackRow.voicemail.is_not(None))
        ).scalars():
            assert callback.voicemail is not None
            if session.get(VoicemailRow, callback.voicemail) is not None:
                continue
            session.add(VoicemailRow(id=callback.voicemail, number=callback.number, queue=callback.queue,
                                     left_at=callback.queued_at, duration_s=SECONDS, size=len(data),
                                     sha256=digest, uploaded_by="voice01", callback_id=callback.id))
            stored += 1
    return stored
