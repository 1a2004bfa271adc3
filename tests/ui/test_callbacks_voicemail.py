"""The callbacks list: column headers, how long each caller waited and why, and the caller's voicemail
played (or exported where there is no sound device) before calling back; a body that is not audio is
refused and leaves no file."""

from __future__ import annotations

import asyncio
import io
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.sync.callbacks import PendingCallback
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.callbacks import CallbacksScreen
from agent_tui.ui.desk.outbound_voicemail import NotAudio, VoicemailPlayer, export_path
from agent_tui.ui.desk.services import DeskServices
from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, LocalScreens
from tests.ui.helpers import screen_text, wait_until


def wav_bytes(frames: int = 800) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\x01\x00" * frames)
    return out.getvalue()


class Voicemails:
    """Voicemail audio by id; asked ids recorded."""

    def __init__(self, audio: dict[str, bytes]) -> None:
        self.audio = audio
        self.asked: list[str] = []

    async def voicemail_audio(self, voicemail_id: str) -> bytes:
        self.asked.append(voicemail_id)
        return self.audio[voicemail_id]


def test_the_player_exports_and_refuses_what_is_not_audio(tmp_path: Path) -> None:
    source = Voicemails({"vm-1": wav_bytes(), "vm-2": b"<html>not found</html>"})
    folder = tmp_path / "exports"
    player = VoicemailPlayer(source, folder=folder, sound=False)
    heard = asyncio.run(player.hear("vm-1"))
    assert (heard.path, heard.playing) == (export_path("vm-1", folder), False)
    with wave.open(str(heard.path), "rb") as wav:
        assert wav.getnframes() == 800
    with pytest.raises(NotAudio):
        asyncio.run(player.hear("vm-2"))
    assert not export_path("vm-2", folder).exists()
    assert sorted(p.name for p in folder.iterdir()) == ["voicemail-vm-1.wav"]


def desk_with(voicemails: Voicemails) -> DeskApp:
    backend = FakeBackend()
    now = datetime.now(UTC)
    backend.callbacks = [
        PendingCallback(number="13900001111", at=now - timedelta(minutes=75), customer_name="李四",
                        queue="repair", id="11", reason="voicemail", voicemail="vm-1"),
        PendingCallback(number="13900002222", at=now - timedelta(minutes=3), customer_name="王五",
                        queue="billing", id="12", reason="abandoned"),
    ]
    services = DeskServices(backend=backend, writes=FakeWrites(), phone=FakePhone(), screens=LocalScreens(),
                            callbacks=backend, drafts=DraftStore(state_dir() / "drafts"),
                            voicemails=voicemails)
    return DeskApp(services, DeskOptions(username="agent1"), password=SecretStr("secret"))


async def test_the_list_has_headers_wait_and_reason_and_v_exports_the_voicemail() -> None:
    voicemails = Voicemails({"vm-1": wav_bytes()})
    app = desk_with(voicemails)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: isinstance(app.screen, CallbacksScreen) and bool(app.screen.entries),
                         what="the callback list")
        assert isinstance(app.screen, CallbacksScreen)
        app.screen.voicemails = VoicemailPlayer(voicemails, sound=False)  # this test box: no sound device
        text = screen_text(app)
        assert all(title in text for title in ("Queued", "Wait", "Number", "Name", "Queue", "Reason"))
        first = next(line for line in text.splitlines() if "13900001111" in line)
        second = next(line for line in text.splitlines() if "13900002222" in line)
        assert "1h15m" in first
        assert "* voicemail" in first
        assert "3m" in second
        assert "abandoned" in second
        await pilot.press("v")
        saved = export_path("vm-1")
        await wait_until(pilot, lambda: saved.exists(), what="the export")
        await wait_until(pilot, lambda: any(str(saved) in str(n.message) for n in app._notifications),
                         what="the path shown")
        assert voicemails.asked == ["vm-1"]
        await pilot.press("down", "v")
        await wait_until(pilot, lambda: any("no voicemail" in str(n.message) for n in app._notifications),
                         what="no voicemail said")
        assert voicemails.asked == ["vm-1"]
