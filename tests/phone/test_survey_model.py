"""The survey's and the voicemail's call rules without a phone: keys, silence, retries, the beep."""

from __future__ import annotations

import json
import wave
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from agent_tui.phone.survey_model import (
    Hangup,
    Play,
    Prompt,
    StartRecording,
    Step,
    StoreScore,
    StoreVoicemail,
    SurveyCall,
    VoicemailCall,
    Wait,
)
from agent_tui.phone.survey_prompts import prompt_text, write_beep
from agent_tui.phone.voice_uploads import ScoreJob, Uploader, VoicemailJob
from agent_tui.phone.voicemail import message_wav, voicemail_id
from tests.support.waiting import wait_for


@pytest.mark.parametrize("digit", ["1", "2", "3", "4", "5"])
def test_a_key_from_1_to_5_is_the_score_stored_against_the_original_call(digit: str) -> None:
    call = SurveyCall("call-77", "tok-77")
    assert call.start() == [Play(Prompt.ASK)]
    # Pressed during the question: callers who know the menu need not wait for it. The transfer's token
    # goes with the score: the backend, not the survey, decides whether it lets this call be scored.
    assert call.digit(digit, "info") == [StoreScore("call-77", int(digit), "info", "tok-77"),
                                         Play(Prompt.THANKS)]
    assert call.digit("3") == []  # one answer per call
    assert call.playback_finished() == [Hangup()]
    assert (call.step, call.score) == (Step.DONE, int(digit))


@pytest.mark.parametrize("digit", ["0", "6", "9", "*", "#"])
def test_a_key_outside_1_to_5_asks_again_and_stores_nothing(digit: str) -> None:
    call = SurveyCall("c1", retries=1)
    call.start()
    assert call.digit(digit) == [Play(Prompt.INVALID)]
    assert call.playback_finished() == [Wait(call.answer_s)]
    assert call.digit("5") == [StoreScore("c1", 5, "rfc2833"), Play(Prompt.THANKS)]
    assert call.invalid == [digit]


def test_silence_asks_again_then_says_goodbye_without_a_score() -> None:
    call = SurveyCall("c2", retries=2, answer_s=4.0)
    call.start()
    assert call.expired() == []  # the question is still playing: no timer runs yet
    assert call.playback_finished() == [Wait(4.0)]
    assert call.expired() == [Play(Prompt.ASK)]
    call.playback_finished()
    assert call.expired() == [Play(Prompt.ASK)]
    call.playback_finished()
    assert call.expired() == [Play(Prompt.GOODBYE)]
    assert call.digit("4") == []  # too late: the goodbye plays
    assert call.playback_finished() == [Hangup()]
    assert call.score is None


def test_a_call_without_the_original_call_id_thanks_but_stores_nothing() -> None:
    call = SurveyCall(None)
    call.start()
    assert call.digit("4") == [Play(Prompt.THANKS)]


def test_a_caller_who_hangs_up_mid_question_leaves_no_score() -> None:
    call = SurveyCall("c3")
    call.start()
    assert call.ended() == []
    assert call.digit("4") == []


STEPS = st.sampled_from(["finished", "expired", "ended", *"0123456789*#"])


@given(st.lists(STEPS, max_size=30))
def test_whatever_happens_a_call_stores_at_most_one_score_the_first_valid_key(steps: list[str]) -> None:
    call = SurveyCall("c", retries=2)
    actions = call.start()
    first_valid: int | None = None
    for step in steps:
        if step == "finished":
            actions += call.playback_finished()
        elif step == "expired":
            actions += call.expired()
        elif step == "ended":
            actions += call.ended()
        else:
            asking = call.step == Step.ASKING
            actions += call.digit(step)
            if asking and first_valid is None and step in "12345":
                first_valid = int(step)
    stored = [a for a in actions if isinstance(a, StoreScore)]
    assert len(stored) <= 1
    assert [s.score for s in stored] == ([first_valid] if first_valid is not None else [])
    assert sum(isinstance(a, Hangup) for a in actions) <= 1


def test_voicemail_prompt_beep_then_records_until_hang_up() -> None:
    call = VoicemailCall(max_s=60)
    assert call.start() == [Play(Prompt.LEAVE_MESSAGE)]
    assert call.digit("#") == []  # before the beep a key does nothing
    assert call.playback_finished() == [Play(Prompt.BEEP)]
    assert call.playback_finished() == [StartRecording(), Wait(60)]
    assert call.ended() == [StoreVoicemail()]


def test_voicemail_ends_on_hash_or_at_the_longest_message() -> None:
    by_key = VoicemailCall()
    by_key.start()
    by_key.playback_finished()
    by_key.playback_finished()
    assert by_key.digit("5") == []
    assert by_key.digit("#") == [StoreVoicemail(), Hangup()]
    assert by_key.ended() == []
    by_time = VoicemailCall(max_s=5)
    by_time.start()
    by_time.playback_finished()
    by_time.playback_finished()
    assert by_time.expired() == [StoreVoicemail(), Hangup()]


def test_a_caller_gone_before_the_beep_leaves_no_voicemail() -> None:
    call = VoicemailCall()
    call.start()
    assert call.ended() == []
    assert call.expired() == []


def _tone_wav(path: Path, seconds: float, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x01\x00" * int(rate * seconds))


def test_the_message_is_the_recording_after_the_beep(tmp_path: Path) -> None:
    recording, message = tmp_path / "call.wav", tmp_path / "message.wav"
    _tone_wav(recording, 5.0)
    assert message_wav(recording, message, 3.25) == pytest.approx(1.75)
    with wave.open(str(message), "rb") as wav:
        assert wav.getnframes() == 14000
    assert message_wav(recording, message, 9.0) == 0.0


def test_voicemail_ids_are_the_pbx_call_id_when_usable() -> None:
    assert voicemail_id("pbx-42.1", "abc") == "pbx-42.1"
    assert voicemail_id("../etc", "abc") == "vm-abc"
    assert voicemail_id(None, "abc") == "vm-abc"


def test_prompts_speak_the_callers_language_and_the_beep_is_a_tone(tmp_path: Path) -> None:
    assert "按" in prompt_text(Prompt.ASK, "zh")
    assert "Press 5" in prompt_text(Prompt.ASK, "en")
    assert "留言" in prompt_text(Prompt.LEAVE_MESSAGE, "zh-CN")
    beep = write_beep(tmp_path / "beep.wav")
    with wave.open(str(beep), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000)
        assert wav.getnframes() == 6400


def test_uploads_retry_while_the_backend_is_down_drop_what_it_refuses_and_spool_the_rest(
    tmp_path: Path,
) -> None:
    answers = iter([503, 201, 409])
    sent: list[tuple[str, str]] = []
    bodies: list[dict[str, Any]] = []

    def backend(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/sessions":
            return httpx.Response(201, json={"token": "t"})
        sent.append((request.method, request.url.path))
        bodies.append(json.loads(request.content))
        return httpx.Response(next(answers), json={})

    reports: list[tuple[str, dict[str, object]]] = []
    spool = tmp_path / "unsent.jsonl"
    uploader = Uploader("http://backend", "voice01", SecretStr("pw"), spool,
                        lambda name, fields: reports.append((name, fields)),
                        transport=httpx.MockTransport(backend))
    uploader.start()
    uploader.put(ScoreJob("c1", 4, "rfc2833", "1900000000.sig"))
    uploader.put(ScoreJob("c2", 2, "info"))
    wait_for(lambda: not uploader.pending, timeout=10, message="both scores sent or dropped")
    assert [name for name, _ in reports] == ["upload_retry", "stored", "upload_refused"]
    assert sent == [("POST", "/v1/calls/c1/satisfaction")] * 2 + [("POST", "/v1/calls/c2/satisfaction")]
    assert bodies[0] == {"score": 4, "method": "rfc2833", "token": "1900000000.sig"}
    assert bodies[-1]["token"] is None  # none came with the call: the backend refuses it (403, dropped)
    assert "1900000000.sig" not in str(reports)
    # Stopped with a job the backend never saw: it waits in the spool for the next start.
    uploader.pending.append(VoicemailJob("vm-1", str(tmp_path / "m.wav"), "139", None, "2026-12-05T00:00:00"))
    uploader.stop()
    saved = [json.loads(line) for line in spool.read_text().splitlines()]
    assert saved == [{"kind": "voicemail", "voicemail_id": "vm-1", "path": str(tmp_path / "m.wav"),
                      "number": "139", "queue": None, "left_at": "2026-12-05T00:00:00"}]
    again = Uploader("http://backend", "voice01", SecretStr("pw"), spool, lambda *_: None,
                     transport=httpx.MockTransport(backend))
    assert again._load_spool()[0] == VoicemailJob("vm-1", str(tmp_path / "m.wav"), "139", None,
                                                  "2026-12-05T00:00:00")
    assert not spool.exists()
