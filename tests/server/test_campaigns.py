"""Outbound campaigns through the API, on SQLite and PostgreSQL: made from a filter or an import, started
and paused, worked by assigned agents only within calling hours, retried, do-not-call numbers never
offered, every outcome recorded once, counted in the campaign's progress and in the report.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent_tui.domain.base import utc_now
from agent_tui.domain.campaigns import CampaignWork, OutcomeIn
from agent_tui.domain.session import Role
from agent_tui.server import campaign_store
from agent_tui.server.auth import AuthUser
from agent_tui.server.campaign_models import CampaignCallRow, CampaignContactRow
from agent_tui.server.db import Database
from tests.server import campaign_helpers
from tests.server.conftest import login, make_client

ALL_DAY = ["00:00-24:00"]


@pytest.fixture
def desk(db_url: str) -> Iterator[TestClient]:
    """The app in UTC (so a calling window can be placed around the test's own clock), on both backends."""
    with make_client(db_url, timezone="UTC", wallboard_refresh_s=3600) as client:
        yield client


@pytest.fixture
def lite(sqlite_url: str) -> Iterator[TestClient]:
    """The same on SQLite only, for rules that do not depend on the database (CI time is counted)."""
    with make_client(sqlite_url, timezone="UTC", wallboard_refresh_s=3600) as client:
        yield client


class Floor:
    """One logged-in header set per user."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.heads: dict[str, dict[str, str]] = {}

    def h(self, user: str) -> dict[str, str]:
        if user not in self.heads:
            self.heads[user] = login(self.client, user)
        return self.heads[user]

    def ok(self, method: str, path: str, user: str, body: Any = None, status: int = 200,
           extra: dict[str, str] | None = None) -> Any:
        response = self.client.request(method, path, json=body, headers={**self.h(user), **(extra or {})})
        assert response.status_code == status, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def make(self, **body: Any) -> dict[str, Any]:
        values: dict[str, Any] = {"name": "停电预告", "screen": "outage_notice",
                                  "agents": ["agent11", "agent12"], "hours": ALL_DAY,
                                  "retry_after_min": 0, "max_retries": 1, "customer_filter": {"limit": 5}}
        values.update(body)
        made: dict[str, Any] = self.ok("POST", "/v1/campaigns", "sup01", values, status=201)
        return made

    def next(self, user: str) -> dict[str, Any] | None:
        response = self.client.post("/v1/campaigns/next", headers=self.h(user))
        if response.status_code == 204:
            return None
        assert response.status_code == 200, response.text
        work: dict[str, Any] = CampaignWork.model_validate(response.json()).model_dump()
        return work


def test_a_campaign_from_a_filter_is_worked_to_done_and_counted(desk: TestClient) -> None:
    f = Floor(desk)
    made = f.make(customer_filter={"tiers": ["diamond", "gold"], "limit": 3})
    assert (made["state"], made["total"], made["pending"]) == ("draft", 3, 3)
    assert f.next("agent11") is None  # a draft hands out nothing
    f.ok("POST", f"/v1/campaigns/{made['id']}/start", "sup01")
    assert f.next("agent13") is None  # not assigned
    seen: list[int] = []
    while (work := f.next("agent11")) is not None:
        assert work["screen"] == "outage_notice"
        assert "informed" in work["outcomes"]
        again = f.next("agent11")
        assert again is not None
        assert again["contact_id"] == work["contact_id"]
        f.ok("POST", f"/v1/campaign-contacts/{work['contact_id']}/outcome", "agent11",
             {"outcome": "informed", "note": "已告知", "call_id": f"c-{work['contact_id']}"})
        seen.append(work["contact_id"])
    assert len(seen) == len(set(seen)) == 3
    progress = f.ok("GET", f"/v1/campaigns/{made['id']}", "sup01")
    assert (progress["state"], progress["done"], progress["pending"]) == ("done", 3, 0)
    assert progress["by_outcome"] == {"informed": 3}
    start = (utc_now() - timedelta(hours=1)).isoformat()
    end = (utc_now() + timedelta(hours=1)).isoformat()
    period = {"start": start, "end": end}
    report = desk.get("/v1/reports/campaigns", params=period, headers=f.h("sup01")).json()
    assert {"campaign_id": made["id"], "campaign": "停电预告", "outcome": "informed", "count": 3} in report
    assert desk.get(f"/v1/campaigns/{made['id']}", headers=f.h("agent11")).status_code == 403


def test_retry_outcomes_come_back_then_end_and_an_outcome_is_recorded_once(desk: TestClient) -> None:
    f = Floor(desk)
    made = f.make(customer_filter={"limit": 1}, max_retries=1)
    f.ok("POST", f"/v1/campaigns/{made['id']}/start", "sup01")
    first = f.next("agent11")
    assert first is not None
    path = f"/v1/campaign-contacts/{first['contact_id']}/outcome"
    bad = desk.post(path, json={"outcome": "sold"}, headers=f.h("agent11"))
    assert bad.status_code == 422
    assert "sold" in bad.json()["detail"]
    assert desk.post(path, json={"outcome": "no_answer"}, headers=f.h("agent12")).status_code == 409
    key = {"Idempotency-Key": "k-1"}
    answered = f.ok("POST", path, "agent11", {"outcome": "no_answer", "call_id": "x1"}, extra=key)
    assert (answered["status"], answered["attempts"]) == ("pending", 1)
    replayed = desk.post(path, json={"outcome": "no_answer", "call_id": "x1"},
                         headers={**f.h("agent11"), **key})
    assert replayed.status_code == 200
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    same_call = f.ok("POST", path, "agent11", {"outcome": "no_answer", "call_id": "x1"})
    assert same_call["attempts"] == 1  # the same call again: the first answer, not a second attempt
    second = f.next("agent12")  # retry due at once (retry_after_min = 0), offered to anyone assigned
    assert second is not None
    assert second["contact_id"] == first["contact_id"]
    final = f.ok("POST", path, "agent12", {"outcome": "busy", "call_id": "x2"})
    assert (final["status"], final["outcome"], final["attempts"]) == ("done", "busy", 2)
    late = desk.post(path, json={"outcome": "informed", "call_id": "x3"}, headers=f.h("agent12"))
    assert late.status_code == 409
    assert "already done" in late.json()["detail"]
    progress = f.ok("GET", f"/v1/campaigns/{made['id']}", "sup01")
    assert progress["by_outcome"] == {"no_answer": 1, "busy": 1}
    assert progress["state"] == "done"


def test_do_not_call_numbers_pause_release_and_calling_hours(lite: TestClient) -> None:
    f = Floor(lite)
    made = f.make(contacts=[{"phone": "138 0000 0001", "name": "甲"}, {"phone": "13800000002", "name": "乙"}],
                  customer_filter=None)
    f.ok("POST", "/v1/do-not-call", "agent11", {"phone": "+86 13800000001", "reason": "客户要求"}, status=201)
    f.ok("POST", f"/v1/campaigns/{made['id']}/start", "sup01")
    assert f.ok("GET", f"/v1/campaigns/{made['id']}", "sup01")["do_not_call"] == 1
    work = f.next("agent11")
    assert work is not None
    assert work["name"] == "乙"
    assert f.next("agent12") is None  # the other one is on the do-not-call list
    released = f.ok("POST", f"/v1/campaign-contacts/{work['contact_id']}/release", "agent11",
                    {"reason": "break"})
    assert released["status"] == "pending"
    assert released["attempts"] == 0
    f.ok("POST", f"/v1/campaigns/{made['id']}/pause", "sup01")
    assert f.next("agent12") is None
    resumed = lite.post(f"/v1/campaigns/{made['id']}/start", headers=f.h("sup01"))
    assert resumed.status_code == 200  # paused → running is allowed
    again = f.next("agent12")
    assert again is not None
    assert again["contact_id"] == work["contact_id"]
    assert lite.delete("/v1/do-not-call/13800000001", headers=f.h("agent11")).status_code == 403
    assert lite.delete("/v1/do-not-call/13800000001", headers=f.h("sup01")).status_code == 204
    unblocked = f.next("agent11")
    assert unblocked is not None
    assert unblocked["name"] == "甲"
    # Calling hours: a window that has just ended hands out nothing.
    now = datetime.now(UTC)
    past = now - timedelta(hours=2)
    window = f"{past:%H}:00-{(past + timedelta(hours=1)):%H}:00"
    if now.hour < 2:  # the window would wrap midnight; put it later in the day instead
        window = "22:00-23:00"
    late = f.make(hours=[window], agents=["agent13"])
    assert f.ok("POST", f"/v1/campaigns/{late['id']}/start", "sup01")["in_hours"] is False
    assert f.next("agent13") is None
    assert f.ok("GET", f"/v1/campaigns/{made['id']}", "sup01")["in_hours"] is True
    assert f.ok("POST", f"/v1/campaigns/{late['id']}/finish", "sup01")["state"] == "done"
    assert lite.post(f"/v1/campaigns/{late['id']}/start", headers=f.h("sup01")).status_code == 409
    # A claim left by a desk that died is offered again after CLAIM_HOLD; the old holder's outcome is 409.
    f.ok("POST", f"/v1/campaign-contacts/{again['contact_id']}/outcome", "agent12", {"outcome": "informed"})
    db: Database = lite.app.state.db  # type: ignore[attr-defined]
    with db.write() as session:
        held = session.get(CampaignContactRow, unblocked["contact_id"])
        assert held is not None
        held.claimed_at = utc_now() - campaign_store.CLAIM_HOLD - timedelta(seconds=1)
    taken = f.next("agent12")
    assert taken is not None
    assert taken["contact_id"] == unblocked["contact_id"]
    stale = lite.post(f"/v1/campaign-contacts/{taken['contact_id']}/outcome", json={"outcome": "informed"},
                      headers=f.h("agent11"))
    assert stale.status_code == 409
    assert "held by agent12" in stale.json()["detail"]


def test_bad_campaigns_are_refused_whole(lite: TestClient) -> None:
    f = Floor(lite)
    before = f.ok("GET", "/v1/campaigns", "sup01")["total"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"screen": "no_such"}, "body.screen"),
        ({"agents": ["agent11", "nobody9"]}, "body.agents"),
        ({"hours": ["20:00-09:00"]}, "hours"),
        ({"contacts": [{"phone": "13800000003"}, {"phone": "call me"}], "customer_filter": None},
         "body.contacts.1.phone"),
        ({"contacts": [{"phone": "13800000003"}]}, "either customer_filter or contacts"),
        ({"retry_outcomes": ["voicemail"]}, "voicemail"),
    ]
    for body, named in cases:
        values: dict[str, Any] = {"name": "x", "screen": "outage_notice", "agents": ["agent11"],
                                  "hours": ALL_DAY, "customer_filter": {"limit": 1}}
        values.update(body)
        response = lite.post("/v1/campaigns", json=values, headers=f.h("sup01"))
        assert response.status_code == 422, (body, response.text)
        assert named in response.text, (body, response.text)
    assert lite.post("/v1/campaigns", json={}, headers=f.h("agent11")).status_code == 403
    assert f.ok("GET", "/v1/campaigns", "sup01")["total"] == before


def test_desks_asking_together_never_get_the_same_contact(desk: TestClient) -> None:
    """Eight desks claim at once straight on the store (SKIP LOCKED on PostgreSQL): 40 contacts, one of them
    on the do-not-call list, 39 claims; the blocked one waits, so the campaign is not done by itself."""
    f = Floor(desk)
    agents = [f"agent{i:02d}" for i in range(11, 19)]
    made = f.make(customer_filter={"limit": 40}, agents=agents)
    f.ok("POST", f"/v1/campaigns/{made['id']}/start", "sup01")
    db: Database = desk.app.state.db  # type: ignore[attr-defined]
    with db.read() as session:
        blocked = session.query(CampaignContactRow).filter_by(campaign_id=made["id"]).order_by(
            CampaignContactRow.id.desc()).first()
    assert blocked is not None
    campaign_helpers.do_not_call(db, blocked.phone)
    claims: list[tuple[str, int]] = []
    failures: list[BaseException] = []
    gate = threading.Barrier(len(agents))
    lock = threading.Lock()

    def work(agent: str) -> None:
        try:
            gate.wait(timeout=30)
            user = AuthUser(id=0, username=agent, role=Role.AGENT, token_hash="")
            while True:
                # Claim and record in two transactions, as a desk does between its two requests.
                with db.write() as session:
                    got = campaign_store.next_contact(session, agent, UTC)
                if got is None:
                    return
                with lock:
                    claims.append((agent, got.contact_id))
                with db.write() as session:
                    row = campaign_store.contact(session, got.contact_id)
                    outcome = OutcomeIn(outcome="informed", call_id=f"t-{got.contact_id}")
                    campaign_store.record(session, row, outcome, user)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    ids = [contact for _agent, contact in claims]
    assert len(ids) == len(set(ids)) == 39
    assert blocked.id not in ids
    with db.read() as session:
        recorded = Counter(session.query(CampaignCallRow.contact_id)
                           .filter(CampaignCallRow.campaign_id == made["id"]).all())
    assert len(recorded) == 39
    assert set(recorded.values()) == {1}
    progress = f.ok("GET", f"/v1/campaigns/{made['id']}", "sup01")
    assert (progress["state"], progress["done"], progress["pending"], progress["do_not_call"]) == (
        "running", 39, 1, 1)


def test_the_demo_ships_three_campaigns_and_a_do_not_call_number(lite: TestClient) -> None:
    f = Floor(lite)
    shipped = {c["screen"]: c for c in f.ok("GET", "/v1/campaigns", "sup01")["items"]}
    assert {s: c["state"] for s, c in shipped.items()} == {
        "outage_notice": "running", "arrears_reminder": "paused", "return_visit": "draft"}
    assert all(c["total"] > 0 for c in shipped.values())
    assert shipped["arrears_reminder"]["do_not_call"] == 1
    assert f.ok("GET", "/v1/do-not-call", "sup01")["total"] == 1
    screens = {s["id"] for s in f.ok("GET", "/v1/screens", "agent01")["items"]}
    assert {"outage_notice", "arrears_reminder", "return_visit"} <= screens
