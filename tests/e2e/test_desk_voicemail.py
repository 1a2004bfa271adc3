"""Issue 14's voicemail played from the desk, on the real backend: the voice service's uploader stores a
caller's message (`PUT /v1/voicemails/{id}`, as `agent-tui survey` does after the PBX hands a caller
over); the desk's callbacks list (ctrl+b) shows the caller's callback with its voicemail, and `v` fetches
the audio and exports it (this box has no sound device): the exported WAV is the uploaded one, byte for
byte.

Real parts: the reference backend (subprocess, demo seed, tmp SQLite), the voice service's `Uploader`, the
desk's own backend client, callback list and voicemail player (Pilot; the phone is a double: no call).
"""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent_tui.domain.base import utc_now
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.phone.voice_uploads import Uploader, VoicemailJob
from agent_tui.sync.callbacks import BackendCallbacks
from agent_tui.sync.client import BackendClient
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.callbacks import CallbacksScreen
from agent_tui.ui.desk.outbound_voicemail import BackendVoicemails, VoicemailPlayer, export_path
from agent_tui.ui.desk.services import DeskServices
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.support.waiting import wait_for
from tests.ui.doubles import FakePhone, FakeWrites, LocalScreens
from tests.ui.helpers import screen_text, wait_until

NUMBER = "13700000088"
VOICEMAIL = "vm-e2e-desk-1"


def spoken_wav() -> bytes:
    """Half a second of a 440 Hz tone, 8 kHz mono: a message with real samples, not silence."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"".join(int(8000 * math.sin(2 * math.pi * 440 * n / 8000)).to_bytes(2, "little",
                                                                                              signed=True)
                                 for n in range(4000)))
    return out.getvalue()


def upload(backend: RealBackend, audio: Path, spool: Path) -> list[str]:
    """The voice service's uploader sends the voicemail; returns what it reported."""
    events: list[str] = []
    uploader = Uploader(backend.url, "voice01", SecretStr(DEMO_PASSWORD), spool,
                        lambda name, _fields: events.append(name))
    uploader.start()
    try:
        uploader.put(VoicemailJob(VOICEMAIL, str(audio), NUMBER, None, utc_now().isoformat()))
        wait_for(lambda: not uploader.pending, 15, message="the voicemail uploaded")
    finally:
        uploader.stop()
    return events


async def test_a_voicemail_left_with_the_backend_is_exported_from_the_desks_callback_list(
    backend: RealBackend, tmp_path: Path
) -> None:
    message = spoken_wav()
    audio = tmp_path / "message.wav"
    audio.write_bytes(message)
    reported = upload(backend, audio, tmp_path / "spool.jsonl")
    assert reported == ["stored"]

    client = BackendClient(backend.url)
    services = DeskServices(backend=client, writes=FakeWrites(), phone=FakePhone(), screens=LocalScreens(),
                            callbacks=BackendCallbacks(client), drafts=DraftStore(state_dir() / "drafts"),
                            voicemails=BackendVoicemails(client))
    app = DeskApp(services, DeskOptions(username="agent01"), password=SecretStr(DEMO_PASSWORD))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, deadline_s=20, what="the login")
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: isinstance(app.screen, CallbacksScreen) and bool(app.screen.entries),
                         deadline_s=10, what="the callback list")
        listed: Any = app.screen
        row = next(i for i, entry in enumerate(listed.entries) if entry.voicemail == VOICEMAIL)
        player = listed.voicemails
        assert isinstance(player, VoicemailPlayer)
        player.sound = False  # as on a machine with no sound device: the export path, on every box
        assert NUMBER in screen_text(app)
        assert "* voicemail" in screen_text(app)
        await pilot.press(*["down"] * row, "v")
        saved = export_path(VOICEMAIL)
        await wait_until(pilot, lambda: saved.exists(), deadline_s=10, what="the export")
        await wait_until(pilot, lambda: any(str(saved) in str(n.message) for n in app._notifications),
                         what="the path shown")
        assert saved.read_bytes() == message
    await client.aclose()
