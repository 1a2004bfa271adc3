"""A call record with the disposition `picked_up` (a supervisor took the call while it rang at the agent)
does not count as a call the agent handled: not in the wallboard's agent figures, not in the agent report.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from agent_tui.domain.call import PICKED_UP
from tests.server.conftest import login
from tests.server.test_supervision import agent_row, iso, sup_client

__all__ = ["sup_client"]  # the fixture, used by name below


def record(call_id: str, now: datetime, **extra: Any) -> dict[str, Any]:
    return {"call_id": call_id, "queue": "q-pick", "agent": "agent06",
            "offered_at": iso(now - timedelta(seconds=200)), "answered_at": iso(now - timedelta(seconds=190)),
            "ended_at": iso(now - timedelta(seconds=90)), "talk_s": 100, "hold_s": 0, "acw_s": 20, **extra}


def test_a_picked_up_call_is_not_the_agents_handled_call(sup_client: TestClient) -> None:
    agent, sup = login(sup_client, "agent06"), login(sup_client, "sup01")
    before = agent_row(sup_client, sup, "agent06")["today"]
    now = datetime.now(UTC)
    handled = record("pick-handled", now)
    picked = record("pick-picked", now, talk_s=1, acw_s=0, disposition=PICKED_UP)
    assert sup_client.post("/v1/calls", json=handled, headers=agent).status_code == 200
    assert sup_client.post("/v1/calls", json=picked, headers=agent).status_code == 200
    after = agent_row(sup_client, sup, "agent06")["today"]
    assert after["calls_handled"] == before["calls_handled"] + 1
    assert after["talk_s"] == before["talk_s"] + 100
    # The record itself is kept as posted (the supervisor's side records the conversation).
    assert sup_client.get("/v1/calls/pick-picked", headers=sup).json()["disposition"] == PICKED_UP
