"""A supervisor reads what became of a command: sent, applied, refused (with why) or not delivered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from agent_tui.domain.base import utc_now
from agent_tui.domain.supervision import COMMAND_ACK_DEADLINE_S, CommandStatus, ack_deadline_s
from agent_tui.server.models import AuditRow
from agent_tui.server.routers.supervision import command_state
from tests.server.conftest import login, make_client


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(f"sqlite:///{tmp_path / 'server.db'}", recordings_dir=tmp_path / "rec") as client:
        yield client


def test_a_refusal_is_read_back_with_its_reason_and_only_by_supervisors(client: TestClient) -> None:
    sup, agent = login(client, "sup01"), login(client, "agent01")
    client.put("/v1/agents/agent01/state", json={"state": "ready"}, headers=agent).raise_for_status()
    sent = client.post("/v1/interventions", json={"kind": "force_ready", "agent": "agent01"}, headers=sup)
    command_id = sent.json()["command_id"]
    before = client.get(f"/v1/commands/{command_id}", headers=sup)
    assert before.status_code == 200, before.text
    assert (before.json()["status"], before.json()["agent"], before.json()["command"]) == \
        ("sent", "agent01", "force_ready")
    assert client.get(f"/v1/commands/{command_id}", headers=agent).status_code == 403
    assert client.get("/v1/commands/999999", headers=sup).status_code == 404
    ack = {"ok": False, "reason": "phone_offline", "detail": "the agent's phone is offline"}
    assert client.post(f"/v1/commands/{command_id}/ack", json=ack, headers=agent).status_code == 200
    after = client.get(f"/v1/commands/{command_id}", headers=sup).json()
    assert (after["status"], after["reason"], after["detail"]) == \
        ("failed", "phone_offline", "the agent's phone is offline")
    assert after["acknowledged_at"] is not None
    # The first answer stands: a repeated ack (an outbox retry) changes nothing.
    again = {"ok": True, "reason": "", "detail": "late"}
    repeated = client.post(f"/v1/commands/{command_id}/ack", json=again, headers=agent)
    assert repeated.json()["status"] == "failed"
    # A reason is a code, never free text.
    odd = {"ok": False, "reason": "Not A Code!", "detail": ""}
    assert client.post(f"/v1/commands/{command_id}/ack", json=odd, headers=agent).status_code == 422


def _row(action: str, age_s: float, status: str = "sent") -> AuditRow:
    return AuditRow(at=utc_now() - timedelta(seconds=age_s), actor="sup01", action=action, agent="agent01",
                    detail={}, command_id=5, status=status, ack_at=None, ack_detail="")


def test_no_ack_within_the_deadline_reads_as_not_delivered() -> None:
    now = utc_now()
    fresh = command_state(_row("force_not_ready", COMMAND_ACK_DEADLINE_S - 1), now)
    assert fresh.status == CommandStatus.SENT
    assert command_state(_row("force_not_ready", COMMAND_ACK_DEADLINE_S + 1), now).status == \
        CommandStatus.NOT_DELIVERED
    # Call commands are acknowledged when the phone has finished: they get the phone's time on top.
    release_wait = ack_deadline_s("force_release") - 1
    assert release_wait > COMMAND_ACK_DEADLINE_S
    assert command_state(_row("force_release", release_wait), now).status == CommandStatus.SENT
    # An acknowledged command keeps its outcome however old it is.
    assert command_state(_row("force_not_ready", 3600, status="done"), now).status == CommandStatus.DONE
