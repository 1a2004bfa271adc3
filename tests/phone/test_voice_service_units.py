"""The voice service's event handling without a phone: what it answers, plays, stores and deletes."""

from __future__ import annotations

import argparse
import io
import json
import wave
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_tui.phone.events import (
    CallEnded,
    CallState,
    DtmfReceived,
    IncomingCall,
    PlaybackFinished,
    RecordingReady,
)
from agent_tui.phone.survey import VoiceService
from agent_tui.phone.survey_cli import add_arguments
from agent_tui.phone.survey_model import Prompt
from agent_tui.phone.voice_uploads import ScoreJob


class FakeEngine:
    def __init__(self) -> None:
        self.commands: list[tuple[str, Any]] = []

    def answer(self, call_id: str) -> None:
        self.commands.append(("answer", call_id))

    def play_file(self, call_id: str, path: Path) -> None:
        self.commands.append(("play", Path(path).stem))

    def hangup(self, call_id: str) -> None:
        self.commands.append(("hangup", call_id))


class Prompts:
    def path(self, prompt: Prompt) -> Path:
        return Path(f"/prompts/{prompt.value}.wav")


def service(tmp_path: Path, *argv: str) -> tuple[VoiceService, FakeEngine, io.StringIO]:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(list(argv))
    engine, out = FakeEngine(), io.StringIO()
    made = VoiceService(engine, args, None, tmp_path, out)  # type: ignore[arg-type]
    made.prompts = {"zh": Prompts(), "en": Prompts()}  # type: ignore[dict-item]
    return made, engine, out


def ring(call_id: str, **headers: str) -> IncomingCall:
    return IncomingCall(call_id=call_id, number="13800138000", display="", headers=headers,
                        remote_uri="sip:13800138000@127.0.0.1", at=datetime.now(UTC))


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


class Jobs:
    """Stands in for the uploader: keeps what the service hands it."""

    def __init__(self) -> None:
        self.jobs: list[Any] = []

    def put(self, job: Any) -> None:
        self.jobs.append(job)


def test_the_survey_answers_asks_takes_4_thanks_and_hangs_up(tmp_path: Path) -> None:
    svc, engine, out = service(tmp_path)
    jobs = Jobs()
    svc.uploader = jobs  # type: ignore[assignment]
    svc.handle(ring("s1", **{"X-Call-Id": "desk-7", "X-Language": "en", "X-Survey-Token": "1900000000.sig"}))
    svc.handle(CallState("s1", "confirmed"))
    svc.handle(DtmfReceived("s1", "4", "info"))
    svc.handle(PlaybackFinished("s1", "/prompts/ask.wav", "stopped"))  # replaced by the thanks: ignored
    svc.handle(PlaybackFinished("s1", "/prompts/thanks.wav", "eof"))
    svc.handle(CallEnded("s1", "local hangup", 200, 3.0))
    assert engine.commands == [("answer", "s1"), ("play", "ask"), ("play", "thanks"), ("hangup", "s1")]
    scored = [line for line in lines(out) if line["event"] == "score"]
    assert [(s["record_id"], s["score"], s["method"]) for s in scored] == [("desk-7", 4, "info")]
    assert lines(out)[0]["language"] == "en"
    assert svc.calls == {}
    # The token the transfer carried goes to the backend with the score, and into no event line.
    assert jobs.jobs == [ScoreJob("desk-7", 4, "info", "1900000000.sig")]
    assert lines(out)[0]["token"] is True
    assert "1900000000.sig" not in out.getvalue()


def test_a_voicemail_left_before_the_beep_is_no_message_and_its_recording_is_deleted(tmp_path: Path) -> None:
    svc, _engine, out = service(tmp_path, "--mode", "voicemail")
    recording = tmp_path / "rec.wav"
    _wav(recording, 3.0)
    svc.handle(ring("v1"))
    svc.handle(CallState("v1", "confirmed"))
    svc.handle(CallEnded("v1", "remote hangup", 200, 2.0))
    svc.handle(RecordingReady("v1", str(recording)))
    assert not recording.exists()
    assert "voicemail" not in [line["event"] for line in lines(out)]
    assert svc.calls == {}


def test_a_message_after_the_beep_is_cut_from_the_recording(tmp_path: Path) -> None:
    svc, engine, out = service(tmp_path, "--mode", "voicemail")
    recording = tmp_path / "rec.wav"
    _wav(recording, 3.0)
    svc.handle(ring("v2", **{"X-Call-Id": "pbx-9"}))
    svc.handle(CallState("v2", "confirmed"))
    svc.handle(PlaybackFinished("v2", "/prompts/leave_message.wav", "eof"))
    svc.handle(PlaybackFinished("v2", "/prompts/beep.wav", "eof"))
    svc.handle(RecordingReady("v2", str(recording)))  # before the end: still the caller's turn
    assert recording.exists()
    svc.handle(CallEnded("v2", "remote hangup", 200, 3.0))
    left = next(line for line in lines(out) if line["event"] == "voicemail")
    assert left["voicemail_id"] == "pbx-9"
    assert 2.5 < left["seconds"] <= 3.0  # the test's events came within a moment of the answer
    assert Path(left["path"]).is_file()
    assert not recording.exists()
    assert engine.commands == [("answer", "v2"), ("play", "leave_message"), ("play", "beep")]


def _wav(path: Path, seconds: float, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(rate * seconds))
