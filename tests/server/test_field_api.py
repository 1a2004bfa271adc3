"""The field API against the real server process, on SQLite and PostgreSQL.

A repair order walks every field step with the times the field reports; recall, out-of-order steps,
unknown numbers, bad times and another team's reports are refused with a problem and change nothing;
every new route is walked against every role, and the field's reports against its own and another
team's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from agent_tui.domain.base import utc_now
from agent_tui.domain.session import Role
from agent_tui.domain.ticket import FieldStep, Ticket
from tests.server.field_helpers import backend_url, file_order, iso, order, step
from tests.server.process import ServerProcess

pytestmark = pytest.mark.timeout(300)

USERS = {Role.AGENT: "agent01", Role.SUPERVISOR: "sup01", Role.TRAINER: "trainer01", Role.FIELD: "field01"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("field")
    for url in backend_url(request.param, workdir, request):
        proc = ServerProcess(url, workdir)
        try:
            proc.start()
            yield proc
        finally:
            proc.stop()


def timeline(ticket: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["status"], e["at"]) for e in ticket["timeline"]]


def test_an_order_walks_every_field_step_with_the_times_the_field_reports(server: ServerProcess) -> None:
    agent, field, sup = server.login("agent01"), server.login("field01"), server.login("sup01")
    filed = file_order(server, agent)
    number = filed["number"]
    issued_at = Ticket.model_validate(filed).timeline[-1].at
    # The field's clock: each step a little after the previous one, all reported late (now).
    times = {name: issued_at + timedelta(milliseconds=50 * (i + 1)) for i, name in enumerate(
        ("receive", "forward", "dispatch", "accept", "depart", "on_site", "fixed"))}
    statuses = {"receive": "received", "forward": "forwarded", "dispatch": "dispatched", "accept": "accepted",
                "depart": "departed", "on_site": "on_site", "fixed": "handled"}
    for name, at in times.items():
        extra: dict[str, Any] = {"same_site": True} if name == "dispatch" else {}
        answer = step(server, field, number, name, at=iso(at), note=f"{name} by the field", **extra)
        assert answer["status"] == statuses[name]
        # The last step on the timeline (the notifier's notes on the customer's messages left out).
        last = [entry for entry in Ticket.model_validate(answer).timeline if entry.by != "notify"][-1]
        assert (last.status.value, last.at, last.by) == (statuses[name], at, "field01")
    ticket = Ticket.model_validate(order(server, field, number))
    de = next(d for d in ticket.deadlines if d.segment == "DE")
    assert de.limit_minutes == 2, "the dispatch said same site: DE has the same-site limit"
    assert not any(d.breached for d in ticket.deadlines)
    # The desk's status query reads the A–H points.
    points = httpx.get(f"{server.base}/v1/orders/{number}/timeline", headers=agent).json()["points"]
    assert [p["point"] for p in points] == list("ABCDEFGH")
    assert all(p["at"] is not None for p in points)
    assert [e for e in Ticket.model_validate(answer).timeline if e.by != "notify"][-1].at == times["fixed"]
    # The fix is audited (the hook of the "order fixed" step), as is each step.
    audit = httpx.get(f"{server.base}/v1/audit", params={"limit": 200, "actor": "field01"},
                      headers=sup).json()["items"]
    mine = [e for e in audit if e["detail"].get("number") == number]
    assert {e["action"] for e in mine} >= {"order_fixed", *(f"field_{s}" for s in times)}
    # A fixed order takes no more field steps.
    step(server, field, number, "on_site", expect=409, at=iso(utc_now()))


def test_refused_reports_change_nothing(server: ServerProcess) -> None:
    agent, field = server.login("agent01"), server.login("field01")
    number = file_order(server, agent)["number"]
    before = order(server, field, number)
    # Unknown order, a step out of order, a time in the future, a time before the previous step.
    step(server, field, "GD19990101999999", "receive", expect=404)
    assert "path.step" in step(server, field, number, "accept", expect=409)["detail"]
    assert "future" in step(server, field, number, "receive", expect=422,
                            at=iso(utc_now() + timedelta(hours=1)))["detail"]
    assert "before" in step(server, field, number, "receive", expect=409,
                            at=iso(utc_now() - timedelta(days=1)))["detail"]
    step(server, field, number, "receive", expect=422, at="2026-12-05T10:00:00")  # no UTC offset
    step(server, field, number, "receive", expect=422, same_site=True)  # only dispatch/accept say it
    step(server, field, number, "teleport", expect=422)
    assert order(server, field, number) == before
    # Received; the same report again is answered unchanged (a retry after a lost answer).
    at = iso(utc_now())
    first = step(server, field, number, "receive", at=at)
    again = step(server, field, number, "receive", at=at)
    assert timeline(again) == timeline(first)
    # Recalled to the wrong department: needs a reason; then every field report is refused.
    step(server, field, number, "recall", expect=422)
    recalled = step(server, field, number, "recall", note="sent to the wrong district")
    assert recalled["status"] == "recalled"
    for name in ("receive", "forward", "dispatch", "accept", "fixed"):
        assert "recalled" in step(server, field, number, name, expect=409)["detail"]
    assert order(server, field, number) == recalled
    # The hotline issues it again, and any team may receive it.
    reissued = httpx.patch(f"{server.base}/v1/tickets/{recalled['id']}", json={"status": "issued"},
                           headers=agent)
    assert reissued.status_code == 200
    assert step(server, server.login("field02"), number, "receive")["status"] == "received"


def test_idempotency_key_replays_the_first_answer(server: ServerProcess) -> None:
    agent, field = server.login("agent01"), server.login("field01")
    number = file_order(server, agent)["number"]
    key = {"Idempotency-Key": f"rc-{number}-receive"}
    first = step(server, field, number, "receive", headers=key)
    second = httpx.post(f"{server.base}/v1/field/orders/{number}/receive", json={}, headers=field | key)
    assert second.status_code == 200
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json() == first
    other = httpx.post(f"{server.base}/v1/field/orders/{number}/receive", json={"note": "x"},
                       headers=field | key)
    assert other.status_code == 409


def test_only_the_team_holding_an_order_reports_its_steps(server: ServerProcess) -> None:
    agent, own, other = server.login("agent01"), server.login("field01"), server.login("field02")
    number = file_order(server, agent)["number"]
    step(server, own, number, "receive")
    held = order(server, own, number)
    for name in FieldStep:
        if name == FieldStep.RECEIVE:
            continue
        assert "another team" in step(server, other, number, name.value, expect=403, note="x")["detail"]
    assert order(server, other, number) == held  # reading is open to every field user
    step(server, own, number, "dispatch")
    assert order(server, own, number)["status"] == "dispatched"
    mine = httpx.get(f"{server.base}/v1/field/orders", params={"status": "dispatched", "mine": "true"},
                     headers=own).json()["items"]
    theirs = httpx.get(f"{server.base}/v1/field/orders", params={"status": "dispatched", "mine": "true"},
                       headers=other).json()["items"]
    assert number in {t["number"] for t in mine}
    assert number not in {t["number"] for t in theirs}


ROUTES = {
    ("GET", "/v1/field/orders"): {Role.FIELD},
    ("GET", "/v1/field/orders/{number}"): {Role.FIELD},
    ("POST", "/v1/field/orders/{number}/{step}"): {Role.FIELD},
    ("GET", "/v1/order-alerts"): {Role.SUPERVISOR},
    ("GET", "/v1/orders/{number}/timeline"): {Role.AGENT, Role.SUPERVISOR},
}
"""Every new route and the roles it is open to, whoever's order it is, except:"""
WRITES_OWN_ONLY = {("POST", "/v1/field/orders/{number}/{step}")}
"""Routes where a field user may act only on an order its own team holds."""


def own_or_other(server: ServerProcess, role: Role, whose: str) -> str:
    """An order that is the caller's own (filed by it; for a field user: held by its team) or another's
    (filed by another agent and held by another team); answers its number, received and not yet further."""
    filer = USERS[role] if whose == "own" and role != Role.FIELD else "agent02"
    # A trainer files (anyone may) but does not move orders: the supervisor issues it.
    issuer = server.login("sup01") if role == Role.TRAINER else None
    number: str = file_order(server, server.login(filer), issuer)["number"]
    holder = "field01" if whose == "own" else "field02"
    step(server, server.login(holder), number, "receive")
    return number


@pytest.mark.parametrize("whose", ["own", "other"])
@pytest.mark.parametrize("role", list(USERS))  # the voice service's gate is walked in test_roles
def test_every_new_route_against_every_role_on_own_and_other_orders(
    server: ServerProcess, role: Role, whose: str
) -> None:
    headers = server.login(USERS[role])
    number = own_or_other(server, role, whose)
    before = order(server, server.login("field01"), number)
    for (method, path), allowed in ROUTES.items():
        url = server.base + path.format(number=number, step="dispatch")
        params = {"number": number} if path == "/v1/order-alerts" else None
        response = httpx.request(method, url, json={} if method == "POST" else None, params=params,
                                 headers=headers)
        ok = role in allowed and (whose == "own" or (method, path) not in WRITES_OWN_ONLY)
        assert response.status_code == (200 if ok else 403), (role, whose, method, path, response.text)
        if response.status_code == 403:
            assert response.headers["content-type"] == "application/problem+json"
        assert httpx.request(method, url, json={}).status_code == 401
    after = order(server, server.login("field01"), number)
    moved = role == Role.FIELD and whose == "own"
    assert (after["status"] == "dispatched") == moved
    if not moved:
        assert after == before, "a refused report changed nothing"
    # A field system reaches nothing of the desks' (customers, tickets, events) but its own session.
    for path in ("/v1/customers/1", "/v1/tickets", "/v1/events?after=0"):
        response = httpx.get(server.base + path, headers=headers)
        assert (response.status_code == 403) == (role == Role.FIELD), (role, path, response.status_code)
        if role != Role.FIELD:
            break  # an open event stream would never end
    assert httpx.get(f"{server.base}/v1/sessions/current", headers=headers).status_code == 200
