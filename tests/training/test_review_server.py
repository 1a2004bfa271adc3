"""Review on the backend: training recordings kept apart, timed transcripts stored, the model-call library.

Training recordings (uploaded with `training=true`, or of a call recorded as training) stay out of the
supervisors' recording search unless asked for; trainers may play them. Supervisors and trainers mark
model calls (audited; agents 403); trainers, supervisors and agents in training status list and play them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import login, make_client
from tests.support.audio_checks import wav_bytes


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(f"sqlite:///{tmp_path / 'server.db'}", recordings_dir=tmp_path / "rec",
                     max_recording_bytes=400_000, timezone="UTC") as test_client:
        yield test_client


def post_call(client: TestClient, headers: dict[str, str], call_id: str, agent: str, **extra: Any) -> None:
    now = datetime.now(UTC)
    record = {"call_id": call_id, "agent": agent, "queue": "q-rev", "number": "13700000002",
              "offered_at": (now - timedelta(minutes=3)).isoformat(),
              "answered_at": (now - timedelta(minutes=2, seconds=50)).isoformat(),
              "ended_at": (now - timedelta(minutes=1)).isoformat(), "talk_s": 110, **extra}
    answer = client.post("/v1/calls", json=record, headers=headers)
    assert answer.status_code == 200, answer.text


def search(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    answer = client.get("/v1/recordings", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return [item["call_id"] for item in answer.json()["items"]]


def audit_actions(client: TestClient, sup: dict[str, str]) -> list[tuple[str, str, str | None]]:
    answer = client.get("/v1/audit", params={"limit": 1000}, headers=sup)
    assert answer.status_code == 200, answer.text
    return [(e["actor"], e["action"], e.get("call_id")) for e in answer.json()["items"]]


def test_training_recordings_stay_out_of_the_search_unless_asked(client: TestClient) -> None:
    agent, sup, trainer = login(client, "agent01"), login(client, "sup01"), login(client, "trainer01")
    post_call(client, agent, "real-1", "agent01")
    post_call(client, agent, "drill-2", "agent01", training=True)
    assert client.put("/v1/recordings/real-1", content=wav_bytes(1), headers=agent).status_code == 201
    flagged = client.put("/v1/recordings/drill-1", params={"training": "true"}, content=wav_bytes(1.5),
                         headers=agent)
    assert flagged.status_code == 201, flagged.text
    assert flagged.json()["training"] is True
    # No flag, but the call record said training: kept apart all the same.
    by_call = client.put("/v1/recordings/drill-2", content=wav_bytes(1), headers=agent)
    assert by_call.json()["training"] is True
    assert search(client, sup) == ["real-1"]
    assert search(client, agent) == ["real-1"]
    assert sorted(search(client, sup, training="true")) == ["drill-1", "drill-2"]
    # A trainer plays training recordings, not real calls.
    played = client.get("/v1/recordings/drill-1/audio", headers=trainer)
    assert played.status_code == 200
    assert played.content == wav_bytes(1.5)
    assert client.get("/v1/recordings/real-1/audio", headers=trainer).status_code == 404
    # A call record arriving after the upload marks it too.
    late = client.put("/v1/recordings/drill-3", content=wav_bytes(1), headers=agent)
    assert late.json()["training"] is False
    post_call(client, agent, "drill-3", "agent01", training=True)
    assert "drill-3" not in search(client, sup)
    assert "drill-3" in search(client, sup, training="true")
    # An upload cannot hide a real call's recording as training: the call record decides.
    hidden = client.put("/v1/recordings/real-1b", params={"training": "true"}, content=wav_bytes(1),
                        headers=agent)
    assert hidden.json()["training"] is True  # no call record yet: taken at its word
    post_call(client, agent, "real-1b", "agent01")
    assert "real-1b" in search(client, sup)
    post_call(client, agent, "real-4", "agent01")
    flagged_real = client.put("/v1/recordings/real-4", params={"training": "true"}, content=wav_bytes(2),
                              headers=agent)
    assert flagged_real.json()["training"] is False
    assert "real-4" in search(client, sup)


def test_attempt_keeps_the_timed_transcript_and_the_recording(client: TestClient) -> None:
    agent, trainer = login(client, "agent01"), login(client, "trainer01")
    card = {"scenario_id": "repair_wire_down_en", "total": 90, "passed": True,
            "lines": [{"key": "outcome", "text": "Outcome", "points": 90, "possible": 100}]}
    body = {"attempt_id": "att-rev-1", "scenario_id": "repair_wire_down_en", "card": card,
            "attempt": {"scenario_id": "repair_wire_down_en", "route": ["greeting", "readback"]},
            "caller_lines": [{"at_s": 1.2, "text": "Hello?"}, {"at_s": 75.9, "text": "Thank you."}],
            "recording": "drill-9"}
    stored = client.post("/v1/training/attempts", json=body, headers=agent)
    assert stored.status_code == 201, stored.text
    key = stored.json()["id"]
    seen = client.get(f"/v1/training/attempts/{key}", headers=trainer).json()
    assert seen["caller_lines"] == [{"at_s": 1.2, "text": "Hello?"}, {"at_s": 75.9, "text": "Thank you."}]
    assert seen["recording"] == "drill-9"
    assert seen["attempt"]["route"] == ["greeting", "readback"]
    bad = {**body, "attempt_id": "att-rev-2", "caller_lines": [{"at_s": -1, "text": "x"}]}
    assert client.post("/v1/training/attempts", json=bad, headers=agent).status_code == 422


def test_model_calls_marked_audited_and_listed_by_role(client: TestClient) -> None:
    agent, other = login(client, "agent01"), login(client, "agent02")
    sup, trainer = login(client, "sup01"), login(client, "trainer01")
    post_call(client, agent, "good-1", "agent01")
    assert client.put("/v1/recordings/good-1", content=wav_bytes(2), headers=agent).status_code == 201
    example = {"title": "Calm read-back", "note": "Listen to 01:10"}
    refused = client.put("/v1/recordings/good-1/model", json=example, headers=agent)
    assert refused.status_code == 403
    assert client.put("/v1/recordings/none/model", json=example, headers=sup).status_code == 404
    marked = client.put("/v1/recordings/good-1/model", json=example, headers=sup)
    assert marked.status_code == 200, marked.text
    assert (marked.json()["title"], marked.json()["marked_by"], marked.json()["agent"]) == (
        "Calm read-back", "sup01", "agent01")
    retitled = client.put("/v1/recordings/good-1/model", json={"title": "Model read-back"}, headers=trainer)
    assert retitled.json()["marked_by"] == "trainer01"
    listed = client.get("/v1/model-calls", headers=trainer).json()
    assert [(m["call_id"], m["title"], m["note"]) for m in listed["items"]] == [
        ("good-1", "Model read-back", "")]
    assert search(client, sup) == ["good-1"]
    assert client.get("/v1/recordings", headers=sup).json()["items"][0]["model_call"] is True
    # Another agent: only while in training status, then they may play it too.
    assert client.get("/v1/model-calls", headers=other).status_code == 409
    assert client.get("/v1/recordings/good-1/audio", headers=other).status_code == 404
    state = client.put("/v1/agents/agent02/state", json={"state": "not_ready", "reason": "training"},
                       headers=other)
    assert state.status_code == 200, state.text
    assert client.get("/v1/model-calls", headers=other).json()["total"] == 1
    assert client.get("/v1/recordings/good-1/audio", headers=other).status_code == 200
    # The trainer plays a real call once it is a model call.
    assert client.get("/v1/recordings/good-1/audio", headers=trainer).status_code == 200
    assert client.delete("/v1/recordings/good-1/model", headers=agent).status_code == 403
    assert client.delete("/v1/recordings/good-1/model", headers=trainer).status_code == 204
    assert client.delete("/v1/recordings/good-1/model", headers=trainer).status_code == 404
    assert client.get("/v1/model-calls", headers=trainer).json()["items"] == []
    assert client.get("/v1/recordings/good-1/audio", headers=trainer).status_code == 404
    trail = [entry for entry in audit_actions(client, sup) if "model_call" in entry[1]]
    assert sorted(trail) == sorted([("sup01", "mark_model_call", "good-1"),
                                    ("trainer01", "mark_model_call", "good-1"),
                                    ("trainer01", "unmark_model_call", "good-1")])
