"""Issue 12, "who may write what": each finding replayed against the app on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import login, make_client
from tests.server.test_owners import SCENARIO, card, wav


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with make_client(db_url, recordings_dir=tmp_path / "rec", wallboard_refresh_s=3600) as client:
        yield client


def call(call_id: str, agent: str | None, **extra: Any) -> dict[str, Any]:
    return {"call_id": call_id, "agent": agent, "number": "13900000001", "queue": "95598-repair", **extra}


def audit(app: TestClient, action: str) -> list[dict[str, Any]]:
    trail = app.get("/v1/audit", params={"limit": 200}, headers=login(app, "sup01")).json()["items"]
    return [entry for entry in trail if entry["action"] == action]


def test_a_call_id_once_owned_is_never_re_owned(app: TestClient) -> None:
    owner, thief = login(app, "agent01"), login(app, "agent02")
    assert (
        app.post("/v1/calls", json=call("own-1", "agent01", training=True), headers=owner).status_code == 200
    )
    assert app.put("/v1/recordings/own-1?training=true", content=wav(3), headers=owner).status_code == 201
    for body in (call("own-1", "agent02", training=True), call("own-1", "agent02"), call("own-1", None)):
        answer = app.post("/v1/calls", json=body, headers=thief)
        assert answer.status_code in (403, 409), answer.text
    stored = app.get("/v1/calls/own-1", headers=owner).json()
    assert (stored["agent"], stored["training"]) == ("agent01", True)
    assert app.get("/v1/recordings/own-1/audio", headers=owner).status_code == 200
    assert app.get("/v1/recordings/own-1/audio", headers=thief).status_code == 404
    # The owner cannot hand it away or flip `training` either.
    assert (
        app.post("/v1/calls", json=call("own-1", "agent02", training=True), headers=owner).status_code == 409
    )
    assert app.post("/v1/calls", json=call("own-1", "agent01"), headers=owner).status_code == 409
    # A real call stays in the supervisors' recording search: nobody can re-post it as training.
    assert app.post("/v1/calls", json=call("real-1", "agent01"), headers=owner).status_code == 200
    assert app.put("/v1/recordings/real-1", content=wav(4), headers=owner).status_code == 201
    hidden = app.post("/v1/calls", json=call("real-1", "agent02", training=True), headers=thief)
    assert hidden.status_code in (403, 409)
    search = app.get("/v1/recordings", params={"call_id": "real-1"}, headers=login(app, "sup01")).json()
    assert [r["call_id"] for r in search["items"]] == ["real-1"]


def test_a_recording_uploaded_first_keeps_its_agent(app: TestClient) -> None:
    owner, thief = login(app, "agent01"), login(app, "agent02")
    assert app.put("/v1/recordings/early-1", content=wav(5), headers=owner).status_code == 201
    assert app.post("/v1/calls", json=call("early-1", "agent02"), headers=thief).status_code == 403
    assert app.get("/v1/recordings/early-1/audio", headers=owner).status_code == 200


def test_supervisors_correct_calls_audited_and_trainers_write_none(app: TestClient) -> None:
    agent, sup, trainer = login(app, "agent01"), login(app, "sup01"), login(app, "trainer01")
    assert (
        app.post("/v1/calls", json=call("fix-1", "agent01", disposition="x"), headers=agent).status_code
        == 200
    )
    fixed = app.post("/v1/calls", json=call("fix-1", None, disposition="resolved"), headers=sup)
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["agent"] == "agent01"
    entries = [e for e in audit(app, "call_corrected") if e["call_id"] == "fix-1"]
    assert len(entries) == 1
    assert entries[0]["actor"] == "sup01"
    assert "disposition" in entries[0]["detail"]["fields"].split(", ")
    # A supervisor posts their own calls, never a new one under an agent's name.
    assert app.post("/v1/calls", json=call("sup-1", "agent03"), headers=sup).status_code == 403
    # Trainers write no call records at all (they fed the wallboard, reports and recording ownership).
    for body in (call("tr-1", "agent05"), call("fix-1", "agent01"), call("tr-2", None)):
        assert app.post("/v1/calls", json=body, headers=trainer).status_code == 403
    assert app.get("/v1/calls/tr-1", headers=sup).status_code == 404


def test_attempts_are_never_stored_as_trainer_launched_by_the_trainee(app: TestClient) -> None:
    agent, trainer = login(app, "agent01"), login(app, "trainer01")
    forged = {
        "attempt_id": "forged-1",
        "scenario_id": SCENARIO,
        "launched_by": "trainer01",
        "card": card(100),
    }
    assert app.post("/v1/training/attempts", json=forged, headers=agent).status_code == 403
    listed = app.get("/v1/training/attempts", headers=trainer).json()["items"]
    assert all(a["attempt_id"] != "forged-1" for a in listed)
    # Self-practice is stored and marked so.
    practice = {**forged, "attempt_id": "self-1", "launched_by": None, "card": card(40)}
    stored = app.post("/v1/training/attempts", json=practice, headers=agent)
    assert stored.status_code == 201
    assert stored.json()["launched_by"] is None
    # After the trainer's launch, the desk stores the launched attempt (its legitimate write).
    launch = {"command": "training_launch", "data": {"scenario": SCENARIO, "attempt": "real-1"}}
    assert app.post("/v1/training/trainees/agent01/commands", json=launch, headers=trainer).status_code == 202
    launched = app.post("/v1/training/attempts", json={**forged, "attempt_id": "real-1"}, headers=agent)
    assert launched.status_code == 201, launched.text
    assert launched.json()["launched_by"] == "trainer01"
    # Another trainee cannot take over that launch, nor another scenario be stored under it.
    other = login(app, "agent02")
    assert (
        app.post("/v1/training/attempts", json={**forged, "attempt_id": "real-1"}, headers=other).status_code
        == 403
    )
    again = {**forged, "attempt_id": "real-1", "scenario_id": "billing_dispute_en"}
    assert app.post("/v1/training/attempts", json=again, headers=agent).status_code == 403


def test_tickets_of_another_team_are_not_rewritten(app: TestClient) -> None:
    filer, team_mate, stranger = login(app, "agent01"), login(app, "agent02"), login(app, "agent11")
    body = {"ticket_type": "complaint", "subject": "lights", "description": "as filed"}
    ticket = app.post("/v1/tickets", json=body, headers=filer).json()["id"]
    for patch in (
        {"assignee": "营销部"},
        {"description": "rewritten"},
        {"status": "assigned"},
        {"note": "x"},
    ):
        assert app.patch(f"/v1/tickets/{ticket}", json=patch, headers=stranger).status_code == 403
    # A team-mate (the return-visit work list) moves it along but does not reassign or rewrite it.
    assert (
        app.patch(f"/v1/tickets/{ticket}", json={"assignee": "营销部"}, headers=team_mate).status_code == 403
    )
    assert (
        app.patch(f"/v1/tickets/{ticket}", json={"status": "assigned"}, headers=team_mate).status_code == 200
    )
    # The filer assigns it; a member of the assigned team moves it.
    assert app.patch(f"/v1/tickets/{ticket}", json={"assignee": "B"}, headers=filer).status_code == 200
    assert app.patch(f"/v1/tickets/{ticket}", json={"status": "handled"}, headers=stranger).status_code == 200
    assert app.patch(f"/v1/tickets/{ticket}", json={"description": "x"}, headers=stranger).status_code == 403
    stored = app.get(f"/v1/tickets/{ticket}", headers=filer).json()
    assert (stored["assignee"], stored["description"], stored["status"]) == ("B", "as filed", "handled")
    # A supervisor corrects it, audited.
    sup = login(app, "sup01")
    assert app.patch(f"/v1/tickets/{ticket}", json={"description": "fixed"}, headers=sup).status_code == 200
    entries = audit(app, "ticket_corrected")
    assert [(e["actor"], e["agent"], e["detail"]["ticket"]) for e in entries] == [
        ("sup01", "agent01", ticket)
    ]


def test_two_agents_racing_for_a_new_call_id_one_owns_it(app: TestClient) -> None:
    heads = {name: login(app, name) for name in ("agent01", "agent02")}

    def post(call_id: str, agent: str) -> tuple[str, int]:
        return agent, app.post("/v1/calls", json=call(call_id, agent), headers=heads[agent]).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        for n in range(8):
            call_id = f"race-{n}"
            results = dict(pool.map(post, [call_id, call_id], ["agent01", "agent02"]))
            assert sorted(results.values()) == [200, 403], results
            winner = next(agent for agent, status in results.items() if status == 200)
            assert app.get(f"/v1/calls/{call_id}", headers=heads[winner]).json()["agent"] == winner
