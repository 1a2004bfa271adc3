"""The voice service's backend: keypad scores stored once and counted in reports, agent figures and the
wallboard's rows; voicemails stored as WAV with their callback, played under the recordings' rule."""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from agent_tui.domain.base import utc_now
from tests.server.conftest import login, make_client


def wav(seconds: float = 0.5, tone: int = 7) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes([tone, 0]) * int(8000 * seconds))
    return buffer.getvalue()


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with make_client(sqlite_url, recordings_dir=tmp_path / "rec", wallboard_refresh_s=3600) as client:
        yield client


def post_call(client: TestClient, call_id: str, agent: str) -> None:
    now = utc_now()
    body = {"call_id": call_id, "agent": agent, "number": "13900000001", "queue": "95598-repair",
            "offered_at": (now - timedelta(seconds=70)).isoformat(),
            "answered_at": (now - timedelta(seconds=60)).isoformat(), "ended_at": now.isoformat(),
            "talk_s": 60}
    response = client.post("/v1/calls", json=body, headers=login(client, agent))
    assert response.status_code < 300, response.text


def survey_token(client: TestClient, call_id: str, agent: str) -> str:
    """The survey token the desk of `agent` gets for its call (from its record, else its live state)."""
    response = client.post(f"/v1/calls/{call_id}/survey-token", headers=login(client, agent))
    if response.status_code == 404:  # no record yet: the desk is on the call, its state names it
        on_call = {"state": "on_call", "call_id": call_id}
        assert client.put(f"/v1/agents/{agent}/state", json=on_call, headers=login(client, agent)).is_success
        response = client.post(f"/v1/calls/{call_id}/survey-token", headers=login(client, agent))
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def test_a_score_is_written_once_by_the_voice_service_and_counted_everywhere(api: TestClient) -> None:
    voice, agent, sup = login(api, "voice01"), login(api, "agent01"), login(api, "sup01")
    # The score may arrive before the desk's call record (the desk posts it after wrap-up).
    early = survey_token(api, "c-early", "agent01")
    first = api.post("/v1/calls/c-early/satisfaction", json={"score": 4, "method": "rfc2833", "token": early},
                     headers=voice)
    assert first.status_code == 201, first.text
    assert first.json()["scored_by"] == "voice01"
    assert api.post("/v1/calls/c-early/satisfaction", json={"score": 4, "token": early},
                    headers=voice).status_code == 200
    again = api.post("/v1/calls/c-early/satisfaction", json={"score": 1, "token": early}, headers=voice)
    assert again.status_code == 409
    assert "already scored 4" in again.text
    assert api.post("/v1/calls/c-x/satisfaction", json={"score": 6}, headers=voice).status_code == 422
    assert api.post("/v1/calls/c-x/satisfaction", json={"score": 0}, headers=voice).status_code == 422
    for refused in (agent, sup):
        assert api.post("/v1/calls/c-x/satisfaction", json={"score": 3}, headers=refused).status_code == 403
    post_call(api, "c-early", "agent01")
    post_call(api, "c-late", "agent01")
    assert api.post("/v1/calls/c-late/satisfaction", json={
        "score": 5, "token": survey_token(api, "c-late", "agent01")}, headers=voice).status_code == 201
    post_call(api, "c-other", "agent02")
    assert api.post("/v1/calls/c-other/satisfaction", json={
        "score": 2, "token": survey_token(api, "c-other", "agent02")}, headers=voice).status_code == 201

    today = utc_now().date().isoformat()
    report = api.get("/v1/reports", params={"from": today, "to": today, "by": "agent"}, headers=sup)
    assert report.status_code == 200, report.text
    rows = {row["key"]: row for row in report.json()["rows"]}
    assert (rows["agent01"]["satisfaction_count"], rows["agent01"]["satisfaction_avg"]) == (2, 4.5)
    assert (rows["agent02"]["satisfaction_count"], rows["agent02"]["satisfaction_avg"]) == (1, 2.0)
    csv = api.get("/v1/reports", params={"from": today, "to": today, "by": "agent", "format": "csv"},
                  headers=sup).text
    assert "satisfaction_avg" in csv.splitlines()[0]

    mine = api.get("/v1/agents/agent01/figures", headers=agent).json()["today"]
    assert (mine["satisfaction_count"], mine["satisfaction_avg"]) == (2, 4.5)
    board = api.get("/v1/wallboard", headers=sup).json()
    row = next(r for r in board["agents"] if r["username"] == "agent02")
    assert (row["today"]["satisfaction_count"], row["today"]["satisfaction_avg"]) == (1, 2.0)


def test_a_voicemail_becomes_a_callback_whose_audio_plays_at_desks(api: TestClient) -> None:
    voice, sup = login(api, "voice01"), login(api, "sup01")
    agent01, agent02 = login(api, "agent01"), login(api, "agent02")
    number = {"number": "13911112222", "queue": "95598-billing"}
    refused = api.put("/v1/voicemails/vm-1", params=number, content=b"not audio at all", headers=voice)
    assert refused.status_code == 415
    assert api.put("/v1/voicemails/bad id!", params=number, content=wav(), headers=voice).status_code == 422
    assert api.put("/v1/voicemails/vm-1", params=number, content=wav(), headers=agent01).status_code == 403
    audio = wav(0.75)
    stored = api.put("/v1/voicemails/vm-1", params=number, content=audio, headers=voice)
    assert stored.status_code == 201, stored.text
    assert stored.json()["duration_s"] == pytest.approx(0.75)
    assert api.put("/v1/voicemails/vm-1", params=number, content=audio, headers=voice).status_code == 200
    assert api.put("/v1/voicemails/vm-1", params=number, content=wav(tone=9),
                   headers=voice).status_code == 409
    callbacks = api.get("/v1/callbacks", headers=agent01).json()["items"]
    callback = next(c for c in callbacks if c["number"] == "13911112222")
    assert (callback["voicemail"], callback["reason"], callback["queue"]) == ("vm-1", "voicemail",
                                                                              "95598-billing")
    played = api.get("/v1/voicemails/vm-1/audio", headers=agent01)
    assert played.status_code == 200
    assert played.content == audio
    assert played.headers["content-type"] == "audio/wav"
    assert api.get("/v1/voicemails/vm-1/audio", headers=voice).status_code == 403
    # Claimed by agent02: agent01 no longer plays it; the claimer and supervisors do (audited).
    assert api.post(f"/v1/callbacks/{callback['id']}/claim", headers=agent02).status_code == 200
    assert api.get("/v1/voicemails/vm-1/audio", headers=agent01).status_code == 404
    assert api.get("/v1/voicemails/vm-1/audio", headers=agent02).content == audio
    assert api.get("/v1/voicemails/vm-1/audio", headers=sup).content == audio
    audit = api.get("/v1/audit", params={"action": "play_voicemail"}, headers=sup)
    assert audit.status_code == 200
    assert "vm-1" in audit.text
    # A second message from a number that already waits goes on that callback only if it has none.
    again = api.put("/v1/voicemails/vm-2", params=number, content=wav(tone=11), headers=voice)
    assert again.status_code == 201
    assert again.json()["callback_id"] is None
    assert api.get("/v1/voicemails/vm-2/audio", headers=sup).status_code == 200


def test_the_demo_datas_voicemail_callback_has_audio_to_play(api: TestClient) -> None:
    agent = login(api, "agent01")
    callbacks = api.get("/v1/callbacks", headers=agent).json()["items"]
    seeded = [c for c in callbacks if c["reason"] == "voicemail"]
    assert seeded
    for callback in seeded:
        audio = api.get(f"/v1/voicemails/{callback['voicemail']}/audio", headers=agent)
        assert audio.status_code == 200
        assert audio.content[:4] == b"RIFF"
