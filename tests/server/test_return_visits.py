"""Return visits (回访) on the real server process, SQLite and PostgreSQL: due when an order is handled,
claimed by one agent at a time, retried when the customer is unreachable and then given up, and the
result closes the order or reopens it; the results count in the report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent_tui.server.settings_file import SERVER_CONFIG_ENV
from tests.server.process import ServerProcess

CONFIG = """
[return_visits]
delay_min = 0
max_attempts = 2
retry_min = 0
"""

OPINION = {"resolved": True, "attitude": "satisfied", "charged": False, "score": 9, "suggestion": "很好"}


class Api:
    """Calls on one server as one user."""

    def __init__(self, server: ServerProcess, username: str) -> None:
        self.base, self.headers = server.base, server.login(username)

    def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return httpx.request(method, self.base + path, json=body, headers=self.headers, timeout=20)

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        response = self.call(method, path, body)
        assert response.status_code in (200, 201), (method, path, response.text)
        return response.json()


@pytest.fixture
def server(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    path = tmp_path / "server.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv(SERVER_CONFIG_ENV, str(path))
    process = ServerProcess(db_url, tmp_path)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def handled_complaint(api: Api) -> dict[str, Any]:
    ticket = api.ok("POST", "/v1/tickets", {"ticket_type": "complaint", "customer_id": 2, "subject": "态度",
                                            "fields": {"contact_phone": "13911112222"}})
    for status in ("assigned", "handled"):
        api.ok("PATCH", f"/v1/tickets/{ticket['id']}", {"status": status})
    assert isinstance(ticket, dict)
    return ticket


def visit_of(api: Api, ticket_id: int) -> dict[str, Any]:
    items = api.ok("GET", "/v1/return-visits")["items"]
    found = [item for item in items if item["ticket_id"] == ticket_id]
    assert len(found) == 1, items
    visit: dict[str, Any] = found[0]
    return visit


def test_a_return_visit_closes_the_order_or_reopens_it(server: ServerProcess) -> None:
    agent, other, sup = Api(server, "agent01"), Api(server, "agent02"), Api(server, "sup01")
    first, second = handled_complaint(agent), handled_complaint(agent)
    listed = agent.ok("GET", "/v1/return-visits?due_only=true")["items"]
    mine = [item["ticket_id"] for item in listed if item["ticket_id"] in (first["id"], second["id"])]
    assert mine == [first["id"], second["id"]]  # the one due first at the top
    visit = visit_of(agent, first["id"])
    assert visit["number"] == first["number"]
    assert visit["phone"] == "13911112222"
    assert visit["customer_name"]
    assert (visit["status"], visit["attempts"]) == ("due", 0)
    # Without a gateway the order's timeline says why the customer got no message.
    timeline = agent.ok("GET", f"/v1/tickets/{first['id']}")["timeline"]
    assert "SMS (filed) not sent: no SMS gateway configured" in [e["note"] for e in timeline]

    claimed = agent.ok("POST", f"/v1/return-visits/{visit['id']}/claim")
    assert claimed["claimed_by"] == "agent01"
    taken = other.call("POST", f"/v1/return-visits/{visit['id']}/claim")
    assert taken.status_code == 409
    assert "claimed by agent01" in taken.json()["detail"]
    assert other.call("POST", f"/v1/return-visits/{visit['id']}/result", OPINION).status_code == 409

    not_resolved = {**OPINION, "resolved": False, "attitude": "unsatisfied", "score": 3}
    done = agent.ok("POST", f"/v1/return-visits/{visit['id']}/result", not_resolved)
    assert done["status"] == "done"
    assert done["result"]["score"] == 3
    reopened = agent.ok("GET", f"/v1/tickets/{first['id']}")
    assert reopened["status"] == "assigned"
    assert [e["status"] for e in reopened["timeline"]][-2:] == ["visited", "assigned"]
    assert reopened["return_visit"]["resolved"] is False
    again = agent.call("POST", f"/v1/return-visits/{visit['id']}/result", OPINION)
    assert again.status_code == 409  # a done visit takes no second result

    agent.ok("PATCH", f"/v1/tickets/{first['id']}", {"status": "handled"})
    revisit = visit_of(agent, first["id"])
    assert revisit["id"] != visit["id"]  # handled again: a new visit falls due
    agent.ok("POST", f"/v1/return-visits/{revisit['id']}/claim")
    agent.ok("POST", f"/v1/return-visits/{revisit['id']}/result", OPINION)
    closed = agent.ok("GET", f"/v1/tickets/{first['id']}")
    assert closed["status"] == "closed"
    assert closed["return_visit"]["by"] == "agent01"

    # The other one cannot be reached: due again, then given up after max_attempts and shown to supervisors.
    other_visit = visit_of(agent, second["id"])
    other.ok("POST", f"/v1/return-visits/{other_visit['id']}/claim")
    once = other.ok("POST", f"/v1/return-visits/{other_visit['id']}/attempts", {"note": "无人接听"})
    assert (once["status"], once["attempts"], once["claimed_by"]) == ("due", 1, None)
    twice = other.ok("POST", f"/v1/return-visits/{other_visit['id']}/attempts", {"note": "关机"})
    assert (twice["status"], twice["attempts"], twice["last_note"]) == ("given_up", 2, "关机")
    assert all(item["id"] != other_visit["id"] for item in agent.ok("GET", "/v1/return-visits")["items"])
    given_up = sup.ok("GET", "/v1/return-visits/given-up")["items"]
    assert [item["id"] for item in given_up] == [other_visit["id"]]
    assert agent.call("GET", "/v1/return-visits/given-up").status_code == 403

    today = date.today().isoformat()
    rows = sup.ok("GET", f"/v1/reports?from={today}&to={today}&by=agent")["rows"]
    row = next(r for r in rows if r["key"] == "agent01" and r["visits"])
    assert row["visits"] == 2
    assert row["visit_resolved"] == 0.5
    assert row["visit_satisfied"] == 0.5
    assert row["visit_score_avg"] == 6.0
