"""Every return-visit route × role × own or other agent's visit: who may, and what the others get."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import login, make_client

USERS = {"agent": "agent01", "supervisor": "sup01", "trainer": "trainer01"}
OPINION = {"resolved": True, "attitude": "average", "charged": False, "score": 7}

# (route, role, whose visit) → status. "own": claimed by the caller first (a trainer cannot claim, so
# theirs is another agent's too); "other": claimed by agent02.
EXPECTED = {
    ("list", "agent", "own"): 200, ("list", "supervisor", "own"): 200, ("list", "trainer", "own"): 403,
    ("given-up", "agent", "own"): 403, ("given-up", "supervisor", "own"): 200,
    ("given-up", "trainer", "own"): 403,
    ("claim", "agent", "own"): 200, ("claim", "agent", "other"): 409,
    ("claim", "supervisor", "own"): 200, ("claim", "supervisor", "other"): 409,
    ("claim", "trainer", "other"): 403,
    ("attempts", "agent", "own"): 200, ("attempts", "agent", "other"): 409,
    ("attempts", "supervisor", "own"): 200, ("attempts", "supervisor", "other"): 200,
    ("attempts", "trainer", "other"): 403,
    ("result", "agent", "own"): 200, ("result", "agent", "other"): 409,
    ("result", "supervisor", "own"): 200, ("result", "supervisor", "other"): 200,
    ("result", "trainer", "other"): 403,
}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module: each case works on a visit of its own."""
    url = f"sqlite:///{tmp_path_factory.mktemp('visits') / 'server.db'}"
    with make_client(url, return_visits={"delay_min": 0}) as client:
        yield client


def _visit(client: TestClient) -> int:
    """A handled complaint's return visit, unclaimed."""
    headers = login(client, "agent01")
    ticket = client.post("/v1/tickets", json={"ticket_type": "complaint", "customer_id": 1}, headers=headers)
    assert ticket.status_code == 201, ticket.text
    for status in ("assigned", "handled"):
        moved = client.patch(f"/v1/tickets/{ticket.json()['id']}", json={"status": status}, headers=headers)
        assert moved.status_code == 200, moved.text
    items = client.get("/v1/return-visits", headers=headers).json()["items"]
    return int(next(i["id"] for i in items if i["ticket_id"] == ticket.json()["id"]))


@pytest.mark.parametrize(("route", "role", "whose"), sorted(EXPECTED))
def test_return_visit_route_role_and_owner(desk: TestClient, route: str, role: str, whose: str) -> None:
    visit = _visit(desk)
    holder = USERS[role] if whose == "own" and role != "trainer" else "agent02"
    if route not in ("list", "given-up"):
        claimed = desk.post(f"/v1/return-visits/{visit}/claim", headers=login(desk, holder))
        assert claimed.status_code == 200, claimed.text
    headers = login(desk, USERS[role])
    if route in ("list", "given-up"):
        path = "/v1/return-visits" + ("/given-up" if route == "given-up" else "")
        response = desk.get(path, headers=headers)
    else:
        body = OPINION if route == "result" else ({"note": "busy"} if route == "attempts" else None)
        response = desk.post(f"/v1/return-visits/{visit}/{route}", json=body, headers=headers)
    assert response.status_code == EXPECTED[(route, role, whose)], response.text
    if response.status_code == 409 and route != "list":
        assert "claimed by agent02" in response.json()["detail"]
    if response.status_code == 403:
        assert response.headers["content-type"] == "application/problem+json"
    assert desk.post(f"/v1/return-visits/{visit}/claim").status_code == 401  # no token, no entry


def test_unknown_visit_is_404(desk: TestClient) -> None:
    headers = login(desk, "agent01")
    for route in ("claim", "attempts"):
        response = desk.post(f"/v1/return-visits/999999/{route}", headers=headers)
        assert response.status_code == 404, response.text


def test_a_cancelled_order_leaves_the_list(desk: TestClient) -> None:
    visit = _visit(desk)
    headers = login(desk, "sup01")
    items = desk.get("/v1/return-visits", headers=headers).json()["items"]
    ticket_id = next(i["ticket_id"] for i in items if i["id"] == visit)
    cancelled = desk.patch(f"/v1/tickets/{ticket_id}", json={"status": "cancelled"}, headers=headers)
    assert cancelled.status_code == 200, cancelled.text
    assert visit not in [i["id"] for i in desk.get("/v1/return-visits", headers=headers).json()["items"]]
    refused = desk.post(f"/v1/return-visits/{visit}/result", json=OPINION, headers=headers)
    assert refused.status_code == 409
    assert "cancelled" in refused.json()["detail"]
