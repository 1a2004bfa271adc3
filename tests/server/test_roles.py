"""The role matrix: every route of the app against every role, checked against `ROUTE_ROLES`.

A route added without a table entry fails here (and is refused at run time).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from agent_tui.domain.session import Role
from agent_tui.server.roles import ROUTE_ROLES, allowed_roles, iter_routes
from tests.server.conftest import login

USERS = {Role.AGENT: "agent01", Role.SUPERVISOR: "sup01", Role.TRAINER: "trainer01", Role.FIELD: "field01",
         Role.VOICE: "voice01"}
SAMPLE = {"customer_id": "1", "ticket_id": "1", "username": "agent01", "call_id": "nope", "screen_id": "x",
          "command_id": "999999", "callback_id": "999999", "scenario_id": "nope", "number": "nope",
          "step": "receive", "voicemail_id": "nope"}
STREAMS = {"/v1/events"}


def every_route(client: TestClient) -> list[tuple[str, str]]:
    routes = list(iter_routes(client.app.routes))  # type: ignore[attr-defined]
    assert len(routes) >= len(ROUTE_ROLES)
    return routes


def concrete(path: str, sample: dict[str, str] = SAMPLE) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: sample.get(m.group(1), "nope"), path)


def test_every_route_has_an_entry_and_every_entry_a_route(client: TestClient) -> None:
    routes = every_route(client)
    missing = [r for r in routes if r not in ROUTE_ROLES]
    assert not missing, f"routes without a ROUTE_ROLES entry: {missing}"
    assert set(ROUTE_ROLES) == set(routes)


def test_unlisted_route_is_refused(client: TestClient) -> None:
    @client.app.get("/v1/forgotten")  # type: ignore[attr-defined, untyped-decorator]
    def forgotten() -> dict[str, str]:
        return {"open": "yes"}

    response = client.get("/v1/forgotten", headers=login(client, "sup01"))
    assert response.status_code == 403
    assert "not open to any role" in response.json()["detail"]


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(client: TestClient, role: Role) -> None:
    headers = login(client, USERS[role])
    # The role gate is under test here, not ownership (tests/server/test_owners.py): the user's own ticket.
    filer = headers if role in (allowed_roles("POST", "/v1/tickets") or ()) else login(client, "agent01")
    filed = client.post("/v1/tickets", json={"ticket_type": "consultation", "subject": "mine"},
                        headers=filer)
    assert filed.status_code == 201, filed.text
    sample = {**SAMPLE, "ticket_id": str(filed.json()["id"])}
    checked = 0
    for method, path in every_route(client):
        allowed = allowed_roles(method, path)
        url = concrete(path, sample)
        if path in STREAMS:
            url += "?after=0"
        if allowed is None:
            response = client.request(method, url, json={})
            assert response.status_code not in (401, 403), (method, path, response.text)
            continue
        if method in ("GET",) and path in STREAMS and role in allowed:
            continue  # an endless stream: its access is proven by the SSE tests
        anonymous = client.request(method, url, json={})
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        response = client.request(method, url, json={}, headers=headers)
        if role in allowed:
            assert response.status_code not in (401, 403), (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        checked += 1
        if (method, path) == ("DELETE", "/v1/sessions/current") and role in allowed:
            headers = login(client, USERS[role])  # that was a logout
    expected = [
        key
        for key, roles in ROUTE_ROLES.items()
        if roles is not None and not (key[1] in STREAMS and role in roles)
    ]
    assert checked == len(expected) >= 20
