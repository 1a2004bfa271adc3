"""Who may write whose object: every write route × role × own-versus-someone-else's object, on SQLite and
PostgreSQL, against `roles.WRITE_RULES` (and docs/roles.md against the code).

The write routes are read from the app's route table: a new write route without a rule, or without a
case here, fails `test_every_write_route_has_a_rule_and_a_case`.
"""

from __future__ import annotations

import io
import itertools
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from agent_tui.domain.base import utc_now
from agent_tui.domain.recordings import QA_ITEMS
from agent_tui.domain.session import Role
from agent_tui.domain.training import ScoreCard, ScoreLine
from agent_tui.server.aftercare_models import ReturnVisitRow
from agent_tui.server.models import CallbackRow
from agent_tui.server.roles import NOBODY, ROUTE_ROLES, WRITE_RULES, render_markdown, write_routes
from agent_tui.server.users import add_user
from tests.server import campaign_helpers
from tests.server.conftest import login, make_client

ROOT = Path(__file__).resolve().parents[2]
ACTORS = {Role.AGENT: "agent01", Role.SUPERVISOR: "sup01", Role.TRAINER: "trainer01"}
"""Who acts in each role (agent01 is in team A, sup01 has no team: every team)."""
OTHER = "agent11"
"""Whose object is "someone else's": an agent of team B (and trainer02's launch for a trainer's attempt)."""
ATTEMPTS = "/v1/training/attempts"
SCENARIO = "repair_wire_down_en"


def wav(tone: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes([tone, 0]) * 4000)
    return buffer.getvalue()


@dataclass
class Floor:
    """The app, a login per user, and fresh ids for the objects each case makes."""

    client: TestClient
    heads: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=itertools.count)

    def h(self, username: str) -> dict[str, str]:
        if username not in self.heads:
            self.heads[username] = login(self.client, username)
        return self.heads[username]

    def new(self, prefix: str) -> str:
        return f"{prefix}-{next(self.ids)}"

    def ok(self, response: httpx.Response) -> Any:
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def call(self, owner: str, **extra: Any) -> str:
        call_id = self.new("call")
        now = utc_now()
        body = {"call_id": call_id, "agent": owner, "number": "13900000000", "queue": "95598-repair",
                "offered_at": (now - timedelta(seconds=90)).isoformat(),
                "answered_at": (now - timedelta(seconds=80)).isoformat(), "ended_at": now.isoformat(),
                "talk_s": 80, **extra}
        self.ok(self.send("POST", "/v1/calls", json=body, headers=self.h(owner)))
        return call_id

    def ticket(self, filer: str) -> int:
        body = {"ticket_type": "complaint", "subject": "lights out", "description": "as filed"}
        made = self.ok(self.send("POST", "/v1/tickets", json=body, headers=self.h(filer)))
        return int(made["id"])

    def online(self, username: str) -> httpx.Response:
        """Set up only: a refused role's write is refused before any state matters."""
        ready = {"state": "ready"}
        return self.send("PUT", f"/v1/agents/{username}/state", json=ready, headers=self.h("sup01"))

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.request(method, url, **kwargs)
        return response

    def recording(self, owner: str) -> str:
        call_id = self.call(owner)
        self.ok(self.send("PUT", f"/v1/recordings/{call_id}", content=wav(next(self.ids) % 200 + 1),
                                headers=self.h(owner)))
        return call_id

    def callback(self, claimed_by: str | None, queue: str = "95598-repair") -> int:
        db = self.client.app.state.db  # type: ignore[attr-defined]
        now = utc_now()
        with db.write() as session:
            row = CallbackRow(number="13900000009", customer_id=None, queue=queue, queued_at=now,
                              reason="abandoned", status="claimed" if claimed_by else "open",
                              claimed_by=claimed_by, claimed_at=now if claimed_by else None, done_at=None,
                              call_id=None, voicemail=None, note="")
            session.add(row)
            session.flush()
            return int(row.id)

    def return_visit(self, claimed_by: str) -> int:
        """A return visit owed on a fresh order, claimed by `claimed_by`."""
        ticket = self.ticket("agent01")
        db = self.client.app.state.db  # type: ignore[attr-defined]
        now = utc_now()
        with db.write() as session:
            row = ReturnVisitRow(ticket_id=ticket, status="claimed", due_at=now, attempts=0,
                                 claimed_by=claimed_by, claimed_at=now, last_note="", done_at=None,
                                 done_by=None, result=None, created_at=now)
            session.add(row)
            session.flush()
            return int(row.id)

    def launch(self, trainer: str, trainee: str) -> str:
        attempt = self.new("att")
        body = {"command": "training_launch", "data": {"scenario": SCENARIO, "attempt": attempt}}
        self.ok(self.send("POST", f"/v1/training/trainees/{trainee}/commands", json=body,
                                 headers=self.h(trainer)))
        return attempt


def card(total: int) -> dict[str, Any]:
    line = ScoreLine(key="step:readback", text="Read back", points=total, possible=100)
    made = ScoreCard(scenario_id=SCENARIO, total=total, passed=total >= 80, lines=[line])
    return made.model_dump(mode="json")


Case = Callable[[Floor, str, str, bool], httpx.Response | None]
"""(floor, actor, owner, mine) → the write's answer; None: the route has no "someone else's" object."""


def _own_only(case: Callable[[Floor, str], httpx.Response]) -> Case:
    return lambda f, actor, _owner, mine: case(f, actor) if mine else None


def _shared(case: Callable[[Floor, str], httpx.Response]) -> Case:
    return lambda f, actor, _owner, _mine: case(f, actor)


def _post_call(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
    call_id = f.call(owner)
    return f.send("POST", "/v1/calls", json={"call_id": call_id, "agent": owner, "notes": "fixed"},
                         headers=f.h(actor))


def _patch_ticket(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
    ticket = f.ticket(owner)
    return f.send("PATCH", f"/v1/tickets/{ticket}", json={"assignee": "抢修一班", "note": "reassigned"},
                          headers=f.h(actor))


def _put_state(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
    return f.send("PUT", f"/v1/agents/{owner}/state", json={"state": "ready"}, headers=f.h(actor))


def _ack(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
    coach = {"command": "coach", "data": {"text": "x"}}
    sent = f.ok(f.send("POST", f"/v1/agents/{owner}/commands", json=coach, headers=f.h("sup01")))
    return f.send("POST", f"/v1/commands/{sent['id']}/ack", json={"ok": True}, headers=f.h(actor))


def _upload(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
    call_id = f.call(owner)
    return f.send("PUT", f"/v1/recordings/{call_id}", content=wav(next(f.ids) % 200 + 1), headers=f.h(actor))


def _claim(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
    return f.send("POST", f"/v1/callbacks/{f.callback(owner)}/claim", headers=f.h(actor))


def _done(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
    return f.send("POST", f"/v1/callbacks/{f.callback(owner)}/done", json={"note": "ok"}, headers=f.h(actor))


def _next_callback(f: Floor, actor: str) -> httpx.Response:
    queue = f.new("q-next")
    f.callback(None, queue=queue)
    return f.send("POST", "/v1/callbacks/next", json={"queues": [queue]}, headers=f.h(actor))


def _callback_back(step: str, body: dict[str, Any]) -> Case:
    def case(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
        return f.send("POST", f"/v1/callbacks/{f.callback(owner)}/{step}", json=body, headers=f.h(actor))
    return case


def _attempt(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
    """Own: the trainee's self-practice, or the trainer's own launch; else another trainer's launch named."""
    body: dict[str, Any] = {"scenario_id": SCENARIO, "card": card(100)}
    if actor.startswith("trainer"):
        body.update(attempt_id=f.launch(owner, "agent02"), trainee="agent02", launched_by=owner)
    elif actor == owner:
        body.update(attempt_id=f.new("att"))
    else:
        body.update(attempt_id=f.launch("trainer01", owner), trainee=owner, launched_by="trainer01")
    return f.send("POST", "/v1/training/attempts", json=body, headers=f.h(actor))


def _field_step(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
    """Only the field role reports steps (which field team's order is own is walked in test_field_api)."""
    body = {"ticket_type": "repair", "subject": "wire down", "description": "sparks"}
    made = f.ok(f.send("POST", "/v1/tickets", json=body, headers=f.h(owner)))
    return f.send("POST", f"/v1/field/orders/{made['number']}/receive", json={"at": utc_now().isoformat()},
                  headers=f.h(actor))


def _visit(step: str, body: dict[str, Any] | None) -> Case:
    def case(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
        visit = f.return_visit(owner)
        return f.send("POST", f"/v1/return-visits/{visit}/{step}", json=body, headers=f.h(actor))
    return case


def _complaint_step(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
    """Assign a fresh complaint filed by `owner` (sup01 has no team: every team's complaint is its own)."""
    body = {"ticket_type": "complaint", "subject": "rude staff", "description": "as filed"}
    made = f.ok(f.send("POST", "/v1/tickets", json=body, headers=f.h(owner)))
    return f.send("POST", f"/v1/complaints/{made['number']}/assign", json={"department": "营业厅"},
                  headers=f.h(actor))


CASES: dict[tuple[str, str], Case] = {
    ("POST", "/v1/sessions"): _own_only(lambda f, actor: f.send("POST",
        "/v1/sessions", json={"username": actor, "password": "demo"})),
    ("DELETE", "/v1/sessions/current"): _own_only(lambda f, actor: f.send("DELETE",
        "/v1/sessions/current", headers=login(f.client, actor))),
    ("POST", "/v1/customers"): _shared(lambda f, actor: f.send("POST",
        "/v1/customers", json={"account": f"99{next(f.ids):08d}", "name": "New"}, headers=f.h(actor))),
    ("PATCH", "/v1/customers/{customer_id}"): _shared(lambda f, actor: f.send("PATCH",
        "/v1/customers/1", json={"address": "1 Road"}, headers=f.h(actor))),
    ("POST", "/v1/tickets"): _own_only(lambda f, actor: f.send("POST",
        "/v1/tickets", json={"ticket_type": "consultation", "subject": "q"}, headers=f.h(actor))),
    ("PATCH", "/v1/tickets/{ticket_id}"): _patch_ticket,
    ("PUT", "/v1/agents/{username}/state"): _put_state,
    ("POST", "/v1/agents/{username}/commands"): _shared(lambda f, actor: f.send("POST",
        "/v1/agents/agent02/commands", json={"command": "coach", "data": {"text": "hi"}},
        headers=f.h(actor))),
    ("POST", "/v1/calls"): _post_call,
    ("POST", "/v1/queue-events"): _shared(lambda f, actor: f.send("POST", "/v1/queue-events", json={
        "events": [{"event_id": f.new("ev"), "kind": "enqueued", "call_id": f.new("q"), "queue": "q-owners",
                    "at": utc_now().isoformat()}]}, headers=f.h(actor))),
    ("POST", "/v1/interventions"): _shared(lambda f, actor: (f.online("agent03"), f.send("POST",
        "/v1/interventions", json={"kind": "coach", "agent": "agent03", "text": "hi"},
        headers=f.h(actor)))[1]),
    ("POST", "/v1/monitor-tokens"): _shared(lambda f, actor: (f.online("agent03"), f.send("POST",
        "/v1/monitor-tokens", json={"agent": "agent03", "mode": "listen"}, headers=f.h(actor)))[1]),
    ("POST", "/v1/commands/{command_id}/ack"): _ack,
    ("POST", "/v1/raise-hand"): _own_only(lambda f, actor: (f.online(actor), f.send("POST",
        "/v1/raise-hand", json={"up": True}, headers=f.h(actor)))[1]),
    ("PUT", "/v1/recordings/{call_id}"): _upload,
    ("PUT", "/v1/recordings/{call_id}/model"): _shared(lambda f, actor: f.send("PUT",
        f"/v1/recordings/{f.recording('agent02')}/model", json={"title": "good"}, headers=f.h(actor))),
    ("DELETE", "/v1/recordings/{call_id}/model"): _shared(lambda f, actor: f.send("DELETE",
        f"/v1/recordings/{_marked(f)}/model", headers=f.h(actor))),
    ("PUT", "/v1/qa/{call_id}"): _shared(lambda f, actor: f.send("PUT",
        f"/v1/qa/{f.call('agent02')}", json=dict(QA_ITEMS), headers=f.h(actor))),
    ("POST", "/v1/callbacks/{callback_id}/claim"): _claim,
    ("POST", "/v1/callbacks/{callback_id}/done"): _done,
    ("POST", "/v1/callbacks/next"): _own_only(_next_callback),
    ("POST", "/v1/callbacks/{callback_id}/release"): _callback_back("release", {"reason": "skipped"}),
    ("POST", "/v1/callbacks/{callback_id}/reschedule"): _callback_back(
        "reschedule", {"due_at": "2030-01-01T09:00:00+00:00", "note": "after nine"}),
    ("PUT", "/v1/training/presence"): _own_only(lambda f, actor: f.send("PUT",
        "/v1/training/presence", json={"sip_uri": "sip:1001@127.0.0.1"}, headers=f.h(actor))),
    ("DELETE", "/v1/training/presence"): _own_only(lambda f, actor: f.send("DELETE",
        "/v1/training/presence", headers=f.h(actor))),
    ("PUT", "/v1/directory/me"): _own_only(lambda f, actor: f.send("PUT",
        "/v1/directory/me", json={"sip_uri": "sip:agent@127.0.0.1:5071"}, headers=f.h(actor))),
    ("DELETE", "/v1/directory/me"): _own_only(lambda f, actor: f.send("DELETE",
        "/v1/directory/me", headers=f.h(actor))),
    ("POST", "/v1/training/trainees/{username}/commands"): _shared(lambda f, actor: f.send("POST",
        "/v1/training/trainees/agent02/commands", json={"command": "training_hint", "data": {"text": "x"}},
        headers=f.h(actor))),
    ("POST", "/v1/training/progress"): _own_only(lambda f, actor: f.send("POST",
        "/v1/training/progress", json={"attempt_id": f.new("att"), "scenario_id": SCENARIO, "kind": "step",
                                       "step": "readback"}, headers=f.h(actor))),
    ("POST", "/v1/training/attempts"): _attempt,
    ("POST", "/v1/field/orders/{number}/{step}"): _field_step,
    ("POST", "/v1/return-visits/{visit_id}/claim"): _visit("claim", None),
    ("POST", "/v1/return-visits/{visit_id}/attempts"): _visit("attempts", {"note": "no answer"}),
    ("POST", "/v1/return-visits/{visit_id}/result"): _visit(
        "result", {"resolved": True, "attitude": "satisfied", "score": 9}),
    ("POST", "/v1/screens/reload"): _shared(lambda f, actor: f.send("POST",
        "/v1/screens/reload", headers=f.h(actor))),
    ("POST", "/v1/complaints/{number}/{step}"): _complaint_step,  # w13-monitor
    # The voice service's own writes (its role is walked in tests/server/test_voice_api.py).
    ("POST", "/v1/calls/{call_id}/satisfaction"): _shared(lambda f, actor: f.send("POST",
        f"/v1/calls/{f.call('agent02')}/satisfaction", json={"score": 4}, headers=f.h(actor))),
    ("POST", "/v1/calls/{call_id}/survey-token"): lambda f, actor, owner, _mine: f.send("POST",
        f"/v1/calls/{f.call(owner)}/survey-token", headers=f.h(actor)),  # w-survey
    ("PUT", "/v1/voicemails/{voicemail_id}"): _shared(lambda f, actor: f.send("PUT",
        f"/v1/voicemails/{f.new('vm')}", params={"number": f"1390000{next(f.ids):04d}"},
        content=wav(next(f.ids) % 200 + 1), headers=f.h(actor))),
}

# --- w14-campaigns ---


def _db(f: Floor) -> Any:
    return f.client.app.state.db  # type: ignore[attr-defined]


def _campaign_move(step: str, state: str) -> Case:
    return _shared(lambda f, actor: f.send("POST",
        f"/v1/campaigns/{campaign_helpers.campaign(_db(f), state, ['agent11'])}/{step}", headers=f.h(actor)))


def _held(step: str, body: dict[str, Any]) -> Case:
    def case(f: Floor, actor: str, owner: str, _mine: bool = True) -> httpx.Response:
        contact = campaign_helpers.held_contact(_db(f), owner)
        return f.send("POST", f"/v1/campaign-contacts/{contact}/{step}", json=body, headers=f.h(actor))
    return case


def _unlist(f: Floor, actor: str) -> httpx.Response:
    number = f"1390000{next(f.ids):04d}"
    campaign_helpers.do_not_call(_db(f), number)
    return f.send("DELETE", f"/v1/do-not-call/{number}", headers=f.h(actor))


CASES.update({
    ("POST", "/v1/campaigns"): _shared(lambda f, actor: f.send("POST", "/v1/campaigns", json={
        "name": "owners", "screen": "outage_notice", "agents": ["agent11"], "customer_filter": {"limit": 2}},
        headers=f.h(actor))),
    ("POST", "/v1/campaigns/{campaign_id}/start"): _campaign_move("start", "draft"),
    ("POST", "/v1/campaigns/{campaign_id}/pause"): _campaign_move("pause", "running"),
    ("POST", "/v1/campaigns/{campaign_id}/finish"): _campaign_move("finish", "running"),
    ("POST", "/v1/campaigns/next"): _own_only(lambda f, actor: f.send("POST", "/v1/campaigns/next",
                                                                      headers=f.h(actor))),
    ("POST", "/v1/campaign-contacts/{contact_id}/outcome"): _held("outcome", {"outcome": "informed"}),
    ("POST", "/v1/campaign-contacts/{contact_id}/release"): _held("release", {"reason": "break"}),
    ("POST", "/v1/do-not-call"): _shared(lambda f, actor: f.send("POST", "/v1/do-not-call", json={
        "phone": f"1380000{next(f.ids):04d}", "reason": "asked"}, headers=f.h(actor))),
    ("DELETE", "/v1/do-not-call/{phone}"): _shared(_unlist),
})
# --- end w14-campaigns ---


def _marked(f: Floor) -> str:
    call_id = f.recording("agent02")
    f.ok(f.send("PUT", f"/v1/recordings/{call_id}/model", json={"title": "good"}, headers=f.h("trainer01")))
    return call_id


@pytest.fixture
def floor(db_url: str, tmp_path: Path) -> Iterator[Floor]:
    with make_client(db_url, recordings_dir=tmp_path / "rec", wallboard_refresh_s=3600) as client:
        db = client.app.state.db  # type: ignore[attr-defined]
        with db.write() as session:
            add_user(session, "trainer02", "demo", Role.TRAINER)
        yield Floor(client)


def test_every_write_route_has_a_rule_and_a_case(client: TestClient) -> None:
    routes = set(write_routes(client.app.routes))  # type: ignore[attr-defined]
    assert routes == set(WRITE_RULES), "write routes and WRITE_RULES differ"
    assert routes == set(CASES), "write routes and this test's CASES differ"
    for key, rule in WRITE_RULES.items():
        gate = ROUTE_ROLES[key]
        allowed = frozenset(Role) if gate is None else gate
        assert rule.own <= allowed, key
        assert rule.others <= allowed, key


def test_docs_roles_md_is_generated_from_the_code() -> None:
    assert (ROOT / "docs" / "roles.md").read_text(encoding="utf-8") == render_markdown(), (
        "docs/roles.md is stale: python -m agent_tui.server.roles > docs/roles.md")


def test_every_write_route_role_and_owner(floor: Floor) -> None:
    wrong: list[str] = []
    for (method, path), case in CASES.items():
        rule = WRITE_RULES[(method, path)]
        gate = ROUTE_ROLES[(method, path)]
        for role, actor in ACTORS.items():
            other = "trainer02" if role == Role.TRAINER and path == ATTEMPTS else OTHER
            for mine in (True, False):
                # A role the route refuses has nothing of its own there: it tries someone else's.
                owner = actor if mine and (gate is None or role in gate) else other
                response = case(floor, actor, owner, mine)
                label = f"{method} {path} as {role.value} on {'own' if mine else 'another agent’s'}"
                if response is None:
                    if rule.others != NOBODY:
                        wrong.append(f"{label}: no case, but the rule lets {set(rule.others)} write")
                    continue
                allowed = role in (rule.own if mine else rule.others)
                if allowed and response.status_code >= 300:
                    wrong.append(f"{label}: refused {response.status_code} {response.text[:160]}")
                if not allowed and response.status_code not in (403, 409):
                    wrong.append(f"{label}: answered {response.status_code}, not 403/409")
    assert not wrong, "\n".join(wrong)


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with make_client(sqlite_url) as test_client:
        yield test_client
