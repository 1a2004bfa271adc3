"""Recordings (upload, search, download, role scoping), QA scores, and reports as JSON and CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import wave
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent_tui.domain.recordings import QA_ITEMS
from tests.server.conftest import login, make_client


def wav_bytes(seconds: float, rate: int = 8000, tone: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes([tone, 0]) * int(seconds * rate))
    return buffer.getvalue()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(f"sqlite:///{tmp_path / 'server.db'}", recordings_dir=tmp_path / "rec",
                     max_recording_bytes=200_000, timezone="UTC") as test_client:
        yield test_client


def post_call(client: TestClient, headers: dict[str, str], call_id: str, agent: str, **extra: Any) -> None:
    now = datetime.now(UTC)
    record = {"call_id": call_id, "agent": agent, "queue": "q-rec", "number": "13700000001",
              "offered_at": (now - timedelta(minutes=10)).isoformat(),
              "answered_at": (now - timedelta(minutes=9, seconds=50)).isoformat(),
              "ended_at": (now - timedelta(minutes=5)).isoformat(), "talk_s": 240, "hold_s": 20, "acw_s": 30,
              **extra}
    assert client.post("/v1/calls", json=record, headers=headers).status_code == 200


def test_upload_search_download_and_scoping(client: TestClient) -> None:
    one, two, sup = login(client, "agent01"), login(client, "agent02"), login(client, "sup01")
    post_call(client, one, "rec-1", "agent01")
    post_call(client, two, "rec-2", "agent02")
    audio = wav_bytes(2.5)
    first = client.put("/v1/recordings/rec-1", content=audio, headers=one)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["sha256"] == hashlib.sha256(audio).hexdigest()
    assert (body["size"], body["duration_s"], body["agent"], body["queue"]) == (len(audio), 2.5, "agent01",
                                                                               "q-rec")
    assert client.put("/v1/recordings/rec-1", content=audio, headers=one).status_code == 200  # a retry
    other = client.put("/v1/recordings/rec-1", content=wav_bytes(1.0), headers=one)
    assert other.status_code == 409
    assert client.put("/v1/recordings/rec-2", content=audio, headers=one).status_code == 403
    assert client.put("/v1/recordings/rec-2", content=wav_bytes(1.0, tone=3), headers=two).status_code == 201
    not_wav = client.put("/v1/recordings/rec-3", content=b"RIFF nonsense", headers=one)
    assert not_wav.status_code == 415
    assert not_wav.headers["content-type"] == "application/problem+json"
    too_big = client.put("/v1/recordings/rec-4", content=wav_bytes(20.0), headers=one)
    assert too_big.status_code == 413
    # Agents see their own only; supervisors search everything by every filter.
    mine = client.get("/v1/recordings", headers=one).json()
    assert [r["call_id"] for r in mine["items"]] == ["rec-1"]
    assert client.get("/v1/recordings/rec-2/audio", headers=one).status_code == 404
    everything = client.get("/v1/recordings", headers=sup).json()
    assert {r["call_id"] for r in everything["items"]} == {"rec-1", "rec-2"}

    def search(**params: Any) -> set[str]:
        found = client.get("/v1/recordings", params=params, headers=sup).json()["items"]
        return {r["call_id"] for r in found}

    assert search(agent="agent02") == {"rec-2"}
    assert search(min_duration=2) == {"rec-1"}
    assert search(max_duration=2) == {"rec-2"}
    assert search(call_id="rec-1", queue="q-rec") == {"rec-1"}
    assert search(customer="13700000001") == {"rec-1", "rec-2"}
    day = datetime.now(UTC)
    last_hour = {"from": (day - timedelta(hours=1)).isoformat(), "to": day.isoformat()}
    assert search(**last_hour) == {"rec-1", "rec-2"}
    assert search(**{"from": (day + timedelta(hours=1)).isoformat()}) == set()
    download = client.get("/v1/recordings/rec-1/audio", headers=sup)
    assert download.status_code == 200
    assert download.content == audio
    assert download.headers["content-type"] == "audio/wav"
    assert client.get("/v1/recordings/rec-1/audio", headers=one).content == audio
    actions = [(e["action"], e["call_id"]) for e in client.get("/v1/audit", headers=sup).json()["items"]]
    assert ("play_recording", "rec-1") in actions
    trainer = login(client, "trainer01")
    assert client.get("/v1/recordings", headers=trainer).status_code == 403


def full_marks() -> dict[str, Any]:
    return dict(QA_ITEMS)


def test_qa_scores_total_100_and_agents_see_their_own(client: TestClient) -> None:
    one, two, sup = login(client, "agent01"), login(client, "agent02"), login(client, "sup01")
    post_call(client, one, "qa-1", "agent01")
    post_call(client, two, "qa-2", "agent02")
    assert sum(QA_ITEMS.values()) == 100
    form = {**full_marks(), "speed": 4, "comment": "a bit fast"}
    scored = client.put("/v1/qa/qa-1", json=form, headers=sup)
    assert scored.status_code == 200, scored.text
    assert scored.json()["total_points"] == 94
    assert (scored.json()["agent"], scored.json()["scorer"]) == ("agent01", "sup01")
    assert client.put("/v1/qa/qa-2", json=full_marks(), headers=sup).json()["total_points"] == 100
    over = client.put("/v1/qa/qa-2", json={**full_marks(), "voice": QA_ITEMS["voice"] + 1}, headers=sup)
    assert over.status_code == 422
    assert "voice" in over.json()["detail"]
    assert client.put("/v1/qa/qa-1", json=full_marks(), headers=one).status_code == 403
    assert client.put("/v1/qa/no-such-call", json=full_marks(), headers=sup).status_code == 404
    mine = client.get("/v1/qa", headers=one).json()["items"]
    assert [(s["call_id"], s["total_points"]) for s in mine] == [("qa-1", 94)]
    assert client.get("/v1/qa", params={"agent": "agent02"}, headers=one).json()["items"] == []
    assert len(client.get("/v1/qa", headers=sup).json()["items"]) == 2


def test_reports_json_and_csv(client: TestClient) -> None:
    sup, one = login(client, "sup01"), login(client, "agent01")
    now = datetime.now(UTC)
    base = now - timedelta(hours=2)
    events = []
    outcomes = [(5, "answered"), (30, "answered"), (50, "abandoned"), (10, "abandoned")]
    for i, (wait, outcome) in enumerate(outcomes):
        enq = base + timedelta(minutes=i)
        events.append({"event_id": f"r{i}-e", "kind": "enqueued", "call_id": f"r{i}", "queue": "=cmd()",
                       "at": enq.isoformat()})
        events.append({"event_id": f"r{i}-x", "kind": outcome, "call_id": f"r{i}", "queue": "=cmd()",
                       "at": (enq + timedelta(seconds=wait)).isoformat(), "agent": "agent01"})
    assert client.post("/v1/queue-events", json={"events": events}, headers=sup).json()["accepted"] == 8
    post_call(client, one, "rep-1", "agent01", first_call_resolved=True)
    window = {"from": (base - timedelta(minutes=1)).isoformat(),
              "to": (now + timedelta(minutes=1)).isoformat()}
    report = client.get("/v1/reports", params={**window, "period": "day", "by": "queue"}, headers=sup)
    assert report.status_code == 200, report.text
    rows = [r for r in report.json()["rows"] if r["key"] == "=cmd()"]
    assert len(rows) in (1, 2)  # two when the window crosses midnight UTC
    assert sum(r["offered"] for r in rows) == 3
    assert sum(r["answered"] for r in rows) == 2
    assert sum(r["short_abandoned"] for r in rows) == 1
    halves = client.get("/v1/reports", params={**window, "period": "half_hour", "by": "queue"},
                        headers=sup).json()["rows"]
    assert all(datetime.fromisoformat(r["period_start"]).minute in (0, 30) for r in halves)
    by_agent = client.get("/v1/reports", params={**window, "by": "agent"}, headers=sup).json()["rows"]
    mine = [r for r in by_agent if r["key"] == "agent01"]
    assert sum(r["handled"] for r in mine) >= 1
    by_team = client.get("/v1/reports", params={**window, "by": "team"}, headers=sup).json()["rows"]
    assert "A" in {r["key"] for r in by_team}
    exported = client.get("/v1/reports", params={**window, "by": "queue"},
                          headers={**sup, "Accept": "text/csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(exported.text)))
    ours = [r for r in parsed if r["key"] == "'=cmd()"]  # formula-like names are defused for spreadsheets
    assert sum(int(r["offered"]) for r in ours) == 3
    if len(ours) == 1:
        assert float(ours[0]["service_level"]) == pytest.approx(rows[0]["service_level"])
    same = client.get("/v1/reports", params={**window, "by": "queue", "format": "csv"}, headers=sup)
    assert same.text == exported.text
    assert client.get("/v1/reports", params={**window}, headers=one).status_code == 403
    backwards = client.get("/v1/reports", params={"from": window["to"], "to": window["from"]}, headers=sup)
    assert backwards.status_code == 422
