"""Every supervisor action leaves exactly one audit entry naming who did what to whom."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import login, make_client


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(f"sqlite:///{tmp_path / 'server.db'}") as app:
        yield app


def put_state(client: TestClient, headers: dict[str, str], state: str, **call: Any) -> None:
    response = client.put("/v1/agents/agent01/state", json={"state": state, **call}, headers=headers)
    assert response.status_code == 200, response.text


def trail(client: TestClient, sup: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", params={"limit": 1000}, headers=sup)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


# (state the agent is in, method, path, body, expected audit action)
ACTIONS: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("ready", "POST", "/v1/interventions", {"kind": "listen", "agent": "agent01"}, "listen"),
    ("ready", "POST", "/v1/interventions", {"kind": "whisper", "agent": "agent01"}, "whisper"),
    ("ready", "POST", "/v1/interventions", {"kind": "barge", "agent": "agent01"}, "barge"),
    ("ready", "POST", "/v1/interventions", {"kind": "force_not_ready", "agent": "agent01",
                                            "reason": "meeting"},
     "force_not_ready"),
    ("not_ready", "POST", "/v1/interventions", {"kind": "force_ready", "agent": "agent01"}, "force_ready"),
    ("ready", "POST", "/v1/interventions", {"kind": "coach", "agent": "agent01", "text": "slow"}, "coach"),
    ("ringing", "POST", "/v1/interventions", {"kind": "pickup", "agent": "agent01"}, "pickup"),
    ("on_call", "POST", "/v1/interventions", {"kind": "force_release", "agent": "agent01"}, "force_release"),
    ("on_call", "POST", "/v1/interventions", {"kind": "force_transfer", "agent": "agent01", "target": "8001"},
     "force_transfer"),
    ("ready", "POST", "/v1/monitor-tokens", {"agent": "agent01", "mode": "listen"}, "listen"),
    ("ready", "POST", "/v1/agents/agent01/commands", {"command": "coach", "data": {"text": "hi"}}, "coach"),
    ("ready", "PUT", "/v1/agents/agent01/state", {"state": "not_ready", "reason": "meeting"}, "set_state"),
]


@pytest.mark.parametrize(("state", "method", "path", "body", "action"), ACTIONS,
                         ids=[f"{a[2]}:{a[4]}" for a in ACTIONS])
def test_supervisor_action_is_audited(client: TestClient, state: str, method: str, path: str,
                                      body: dict[str, Any], action: str) -> None:
    sup, agent = login(client, "sup01"), login(client, "agent01")
    call = {"call_id": "c-1", "call_number": "13800000000"} if state in ("ringing", "on_call") else {}
    put_state(client, agent, state, **call)
    before = trail(client, sup)
    response = client.request(method, path, json=body, headers=sup)
    assert response.status_code < 300, response.text
    new = [entry for entry in trail(client, sup) if entry not in before]
    assert len(new) == 1, new
    assert (new[0]["actor"], new[0]["action"], new[0]["agent"]) == ("sup01", action, "agent01")
    if state in ("ringing", "on_call") and path == "/v1/interventions":
        assert new[0]["call_id"] == "c-1"


def test_agents_cannot_read_or_write_the_trail(client: TestClient) -> None:
    agent = login(client, "agent01")
    assert client.get("/v1/audit", headers=agent).status_code == 403
    assert client.post("/v1/interventions", json={"kind": "coach", "agent": "agent02", "text": "x"},
                       headers=agent).status_code == 403
