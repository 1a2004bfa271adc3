"""The complaint loop on the backend: assign → handled → informed → closed by a supervisor, each step audited
and timed against the complaint limits; steps out of order, on other orders, by other teams are refused
and change nothing; a complaint left unassigned past its limit raises an alert like a repair segment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from agent_tui.domain.base import utc_now
from agent_tui.domain.session import Role
from agent_tui.server.aftercare_models import ReturnVisitRow
from agent_tui.server.models import TimelineRow
from agent_tui.server.users import add_user
from tests.server.conftest import login, make_client


@pytest.fixture
def app(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    with make_client(url, sla={"complaint_assign": 1}, escalation={"at_risk_ratio": 0.5}) as client:
        db = client.app.state.db  # type: ignore[attr-defined]
        with db.write() as session:
            add_user(session, "supb", "demo", Role.SUPERVISOR, team="B")
        yield client


def file(client: TestClient, headers: dict[str, str], ticket_type: str = "complaint") -> dict[str, Any]:
    body = {"ticket_type": ticket_type, "customer_id": 1, "subject": "营业厅态度差"}
    made = client.post("/v1/tickets", json=body, headers=headers)
    assert made.status_code == 201, made.text
    answer: dict[str, Any] = made.json()
    return answer


def step(client: TestClient, headers: dict[str, str], number: str, name: str, expect: int = 200,
         **body: Any) -> dict[str, Any]:
    response = client.post(f"/v1/complaints/{number}/{name}", json=body, headers=headers)
    assert response.status_code == expect, (name, response.text)
    answer: dict[str, Any] = response.json()
    return answer


def test_the_loop_moves_the_complaint_and_audits_every_step_with_its_limit(app: TestClient) -> None:
    agent, sup = login(app, "agent01"), login(app, "sup01")
    made = file(app, agent)
    number = made["number"]
    assigned = step(app, sup, number, "assign", department="营业厅", note="转营业厅处理")
    assert (assigned["status"], assigned["assignee"]) == ("assigned", "营业厅")
    step(app, sup, number, "handle", note="已向客户致歉")
    step(app, sup, number, "inform", note="电话告知客户")
    closed = step(app, sup, number, "close", note="客户满意")
    assert closed["status"] == "closed"
    moves = [e for i, e in enumerate(closed["timeline"])
             if i == 0 or e["status"] != closed["timeline"][i - 1]["status"]]  # notes keep the status
    assert [e["status"] for e in moves] == ["created", "assigned", "handled", "informed", "closed"]
    assert [e["by"] for e in moves[1:]] == ["sup01"] * 4
    assert moves[1]["note"] == "营业厅: 转营业厅处理"
    trail = app.get("/v1/audit", params={"agent": "agent01"}, headers=sup).json()["items"]
    mine = [e for e in trail if e["action"].startswith("complaint_") and e["detail"]["number"] == number]
    assert [e["action"] for e in reversed(mine)] == [
        "complaint_assign", "complaint_handle", "complaint_inform", "complaint_close"]
    assert all(e["actor"] == "sup01" for e in mine)
    by_action = {e["action"]: e["detail"] for e in mine}
    assert by_action["complaint_assign"]["segment"] == "assign"
    assert by_action["complaint_assign"]["limit_minutes"] == 1
    assert by_action["complaint_assign"]["in_time"] is True
    assert by_action["complaint_handle"]["segment"] == "handle"
    assert by_action["complaint_close"]["segment"] == "close"
    assert "segment" not in by_action["complaint_inform"]  # informing has no limit of its own
    # Handled started the aftercare; closing by the supervisor leaves no visit on the agents' list.
    db = app.app.state.db  # type: ignore[attr-defined]
    with db.read() as session:
        visits = session.execute(select(ReturnVisitRow).where(ReturnVisitRow.ticket_id == made["id"])).all()
    assert len(visits) == 1
    listed = app.get("/v1/return-visits", headers=sup).json()["items"]
    assert number not in {item.get("number") for item in listed}


def test_a_late_step_is_audited_as_late(app: TestClient) -> None:
    agent, sup = login(app, "agent01"), login(app, "sup01")
    made = file(app, agent)
    db = app.app.state.db  # type: ignore[attr-defined]
    with db.write() as session:
        session.execute(update(TimelineRow).where(TimelineRow.ticket_id == made["id"])
                        .values(at=utc_now() - timedelta(minutes=3)))
    late = step(app, sup, made["number"], "assign", department="营销部")
    assign = next(d for d in late["deadlines"] if d["segment"] == "assign")
    assert assign["breached"] is True
    trail = app.get("/v1/audit", params={"action": "complaint_assign"}, headers=sup).json()["items"]
    assert trail[0]["detail"]["in_time"] is False


def test_refused_steps_change_nothing(app: TestClient) -> None:
    agent, sup, supb = login(app, "agent01"), login(app, "sup01"), login(app, "supb")
    made = file(app, agent)
    number = made["number"]
    problem = step(app, sup, number, "handle", expect=409)
    assert "handle does not follow created" in problem["detail"]
    step(app, sup, number, "assign", expect=422)  # no department
    step(app, sup, number, "assign", expect=422, department="")
    step(app, supb, number, "assign", expect=403, department="营销部")  # team B's supervisor, team A's order
    step(app, agent, number, "assign", expect=403, department="营销部")  # agents do not work the loop
    step(app, sup, "GD19990101999999", "assign", expect=404, department="营销部")
    repair = file(app, agent, "repair")
    assert "not a complaint" in step(app, sup, repair["number"], "assign", expect=409,
                                     department="营销部")["detail"]
    step(app, sup, number, "assign", department="营销部")
    step(app, sup, number, "inform", expect=409)
    step(app, sup, number, "handle", expect=422, department="营销部")  # only assign names a department
    now = app.get(f"/v1/tickets/{made['id']}", headers=sup).json()
    assert (now["status"], now["assignee"]) == ("assigned", "营销部")
    assert [e["status"] for e in now["timeline"] if e["by"] == "sup01"] == ["assigned"]


def test_an_unassigned_complaint_raises_alerts_like_a_repair_segment(app: TestClient) -> None:
    agent, sup = login(app, "agent01"), login(app, "sup01")
    made = file(app, agent)
    db = app.app.state.db  # type: ignore[attr-defined]
    with db.write() as session:
        session.execute(update(TimelineRow).where(TimelineRow.ticket_id == made["id"])
                        .values(at=utc_now() - timedelta(seconds=90)))
    app.patch(f"/v1/tickets/{made['id']}", json={"note": "客户再次来电"}, headers=agent)  # reschedules
    events = app.app.state.deadline_watcher.tick()  # type: ignore[attr-defined]
    raised = {(e.data["segment"], e.data["level"]) for e in events if e.data["number"] == made["number"]}
    assert raised == {("assign", "at_risk"), ("assign", "breached")}
    listed = app.get("/v1/order-alerts", params={"number": made["number"]}, headers=sup).json()["items"]
    assert {a["segment"] for a in listed} == {"assign"}
    # Assigned now: that segment raises nothing more.
    step(app, sup, made["number"], "assign", department="营销部")
    assert app.app.state.deadline_watcher.tick() == []  # type: ignore[attr-defined]
    # The orders panel asks for alerts of open orders only: a closed complaint's leave the list.
    for name in ("handle", "inform"):
        step(app, sup, made["number"], name)
    assert open_alerts(app, sup, made["number"]) == 2
    step(app, sup, made["number"], "close")
    assert open_alerts(app, sup, made["number"]) == 0


def open_alerts(app: TestClient, headers: dict[str, str], number: str) -> int:
    listed = app.get("/v1/order-alerts", params={"open": True, "number": number}, headers=headers)
    assert listed.status_code == 200, listed.text
    total: int = listed.json()["total"]
    return total
