"""The trainer-mode endpoints on a real app (SQLite): scenarios, trainees, commands, progress, attempts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent_tui.domain.training import ScoreCard, ScoreLine
from tests.server.conftest import login, make_client


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    """An app with the demo data on SQLite."""
    with make_client(f"sqlite:///{tmp_path / 'server.db'}") as client:
        yield client


def _card(scenario_id: str, total: int) -> dict[str, Any]:
    line = ScoreLine(key="step:readback", text="Read the details back to the caller", points=total,
                     possible=100)
    return ScoreCard(scenario_id=scenario_id, total=total, passed=total >= 80, lines=[line]).model_dump(
        mode="json")


def _events(client: TestClient, headers: dict[str, str], after: int) -> list[dict[str, Any]]:
    """Events the user may see after id `after`, read from the SSE stream until it has sent them."""
    found: list[dict[str, Any]] = []

    with client.stream("GET", f"/v1/events?after={after}", headers=headers) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                found.append(json.loads(line.removeprefix("data: ")))
            if line.startswith(": connected"):
                continue
            if line == "" and found:
                break
    return found


def test_scenarios_are_served(app_client: TestClient) -> None:
    agent = login(app_client, "agent01")
    listing = app_client.get("/v1/scenarios", headers=agent)
    assert listing.status_code == 200, listing.text
    ids = {item["id"] for item in listing.json()["items"]}
    assert {"repair_wire_down_en", "repair_wire_down_zh"} <= ids
    assert len(ids) >= 10
    english = app_client.get("/v1/scenarios", params={"language": "en"}, headers=agent).json()["items"]
    assert english
    assert all(item["language"] == "en" for item in english)
    one = app_client.get("/v1/scenarios/repair_wire_down_en", headers=agent)
    assert one.status_code == 200
    assert one.json()["expected"]["escalate"] is True
    assert app_client.get("/v1/scenarios/nope", headers=agent).status_code == 404


def test_trainees_presence_and_commands(app_client: TestClient) -> None:
    agent = login(app_client, "agent03")
    trainer = login(app_client, "trainer01")
    assert app_client.get("/v1/training/trainees", headers=trainer).json() == []
    state = app_client.put("/v1/agents/agent03/state", json={"state": "not_ready", "reason": "training"},
                           headers=agent)
    assert state.status_code == 200, state.text
    listed = app_client.get("/v1/training/trainees", headers=trainer).json()
    assert [t["username"] for t in listed] == ["agent03"]
    assert listed[0]["sip_uri"] is None
    uri = {"sip_uri": "sip:agent03@127.0.0.1:5099"}
    put = app_client.put("/v1/training/presence", json=uri, headers=agent)
    assert put.status_code == 204, put.text
    # On the training call the state is on_call, and the announced desk stays listed.
    app_client.put("/v1/agents/agent03/state", json={"state": "on_call"}, headers=agent)
    listed = app_client.get("/v1/training/trainees", headers=trainer).json()
    assert listed[0]["sip_uri"] == "sip:agent03@127.0.0.1:5099"
    assert listed[0]["state"] == "on_call"
    # Agents may not list trainees nor command them; trainers may only send training commands.
    assert app_client.get("/v1/training/trainees", headers=agent).status_code == 403
    hint = {"command": "training_hint", "data": {"text": "Read it back!"}}
    commands = "/v1/training/trainees/agent03/commands"
    assert app_client.post(commands, json=hint, headers=agent).status_code == 403
    force = {"command": "force_state", "data": {"state": "ready"}}
    assert app_client.post("/v1/training/trainees/agent03/commands", json=force,
                           headers=trainer).status_code == 422
    sent = app_client.post("/v1/training/trainees/agent03/commands", json=hint, headers=trainer)
    assert sent.status_code == 202, sent.text
    event = sent.json()
    assert event["kind"] == "command"
    assert event["target"] == "agent03"
    assert event["data"]["data"] == {"text": "Read it back!", "by": "trainer01"}
    seen = _events(app_client, agent, event["id"] - 1)
    assert seen[0]["data"]["command"] == "training_hint"
    assert app_client.delete("/v1/training/presence", headers=agent).status_code == 204
    app_client.put("/v1/agents/agent03/state", json={"state": "ready"}, headers=agent)
    assert app_client.get("/v1/training/trainees", headers=trainer).json() == []


def test_progress_reaches_trainers_only(app_client: TestClient) -> None:
    agent = login(app_client, "agent04")
    trainer = login(app_client, "trainer01")
    other = login(app_client, "agent05")
    body = {"attempt_id": "att-1", "scenario_id": "repair_wire_down_en", "kind": "step", "step": "readback"}
    sent = app_client.post("/v1/training/progress", json=body, headers=agent)
    assert sent.status_code == 202, sent.text
    event_id = sent.json()["id"]
    seen = _events(app_client, trainer, event_id - 1)
    assert seen[0]["kind"] == "training"
    assert seen[0]["data"]["trainee"] == "agent04"
    assert seen[0]["data"]["step"] == "readback"
    # Another agent's stream does not carry it: the next event it sees is a later one.
    marker = app_client.put("/v1/agents/agent05/state", json={"state": "ready"}, headers=other)
    assert marker.status_code == 200
    seen_by_other = _events(app_client, other, event_id - 1)
    assert all(e["kind"] != "training" for e in seen_by_other)


def test_attempts_stored_and_scoped(app_client: TestClient) -> None:
    agent = login(app_client, "agent06")
    other = login(app_client, "agent07")
    trainer = login(app_client, "trainer01")
    body = {"attempt_id": "att-6", "scenario_id": "repair_wire_down_en",
            "card": _card("repair_wire_down_en", 100), "transcript": ["Hello?"]}
    stored = app_client.post("/v1/training/attempts", json=body, headers=agent)
    assert stored.status_code == 201, stored.text
    record = stored.json()
    assert record["trainee"] == "agent06"
    assert record["card"]["total"] == 100
    again = app_client.post("/v1/training/attempts", json=body, headers=agent)
    assert again.json()["id"] == record["id"]
    by_trainer = {**body, "attempt_id": "att-7", "trainee": "agent07", "launched_by": "trainer01",
                  "card": _card("repair_wire_down_en", 60)}
    # A trainer stores attempts of its own launches only.
    assert app_client.post("/v1/training/attempts", json=by_trainer, headers=trainer).status_code == 403
    launch = {"command": "training_launch", "data": {"scenario": "repair_wire_down_en", "attempt": "att-7"}}
    assert app_client.post("/v1/training/trainees/agent07/commands", json=launch,
                           headers=trainer).status_code == 202
    assert app_client.post("/v1/training/attempts", json=by_trainer, headers=trainer).status_code == 201
    forged = {**body, "attempt_id": "att-8", "trainee": "agent07"}
    assert app_client.post("/v1/training/attempts", json=forged, headers=agent).status_code == 403
    mine = app_client.get("/v1/training/attempts", headers=agent).json()
    assert [a["attempt_id"] for a in mine["items"]] == ["att-6"]
    others = app_client.get("/v1/training/attempts", params={"trainee": "agent07"}, headers=agent)
    assert others.status_code == 403
    everyone = app_client.get("/v1/training/attempts", headers=trainer).json()
    assert [a["attempt_id"] for a in everyone["items"]] == ["att-7", "att-6"]
    history = app_client.get("/v1/training/attempts", params={"trainee": "agent07"}, headers=trainer).json()
    assert history["total"] == 1
    assert history["items"][0]["card"]["total"] == 60
    assert app_client.get(f"/v1/training/attempts/{record['id']}", headers=other).status_code == 404
    assert app_client.get(f"/v1/training/attempts/{record['id']}", headers=trainer).status_code == 200


def test_training_tickets_never_mix(app_client: TestClient) -> None:
    agent = login(app_client, "agent08")
    real_before = app_client.get("/v1/tickets", headers=agent).json()["total"]
    ticket = {"ticket_type": "repair", "subject": "Training wire down", "training": True}
    made = app_client.post("/v1/tickets", json=ticket, headers=agent)
    assert made.status_code == 201, made.text
    real = app_client.get("/v1/tickets", headers=agent).json()
    assert real["total"] == real_before
    assert all(not t["training"] for t in real["items"])
    training = app_client.get("/v1/tickets", params={"training": "true"}, headers=agent).json()
    assert [t["id"] for t in training["items"]] == [made.json()["id"]]
