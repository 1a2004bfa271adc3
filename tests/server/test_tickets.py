"""Tickets on SQLite and PostgreSQL: Idempotency-Key, status transitions, timeline and SLA deadlines."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from agent_tui.domain.ticket import FLOWS, Ticket, TicketType
from tests.server.conftest import login

BODY = {"ticket_type": "repair", "customer_id": 1, "subject": "整栋楼停电", "fields": {"scope": "building"}}


def test_same_key_same_body_gives_the_same_ticket_and_response(any_client: TestClient) -> None:
    headers = login(any_client, "agent01") | {"Idempotency-Key": "k-123"}
    first = any_client.post("/v1/tickets", json=BODY, headers=headers)
    assert first.status_code == 201, first.text
    # The same body with keys in another order and other spacing is the same request.
    reordered = dict(reversed(list(BODY.items())))
    second = any_client.post("/v1/tickets", json=reordered, headers=headers)
    assert second.status_code == 201
    assert second.content == first.content
    assert second.headers.get("Idempotent-Replayed") == "true"
    ticket = Ticket.model_validate(first.json())
    listed = any_client.get("/v1/tickets", params={"customer": 1, "limit": 1000}, headers=headers).json()
    assert sum(t["subject"] == BODY["subject"] and t["created_by"] == "agent01" for t in listed["items"]) == 1
    assert ticket.number.startswith("GD")
    assert ticket.status == "created"


def test_same_key_other_body_is_409(any_client: TestClient) -> None:
    headers = login(any_client, "agent01") | {"Idempotency-Key": "k-409"}
    assert any_client.post("/v1/tickets", json=BODY, headers=headers).status_code == 201
    other = any_client.post("/v1/tickets", json={**BODY, "subject": "something else"}, headers=headers)
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in other.json()["detail"]


def test_same_key_from_another_user_is_409(any_client: TestClient) -> None:
    assert (
        any_client.post(
            "/v1/tickets", json=BODY, headers=login(any_client, "agent01") | {"Idempotency-Key": "shared"}
        ).status_code
        == 201
    )
    other = any_client.post(
        "/v1/tickets", json=BODY, headers=login(any_client, "agent02") | {"Idempotency-Key": "shared"}
    )
    assert other.status_code == 409


def test_without_key_each_post_is_a_new_ticket(any_client: TestClient) -> None:
    headers = login(any_client, "agent01")
    ids = {any_client.post("/v1/tickets", json=BODY, headers=headers).json()["id"] for _ in range(2)}
    assert len(ids) == 2


def test_concurrent_posts_with_one_key_make_one_ticket(any_client: TestClient) -> None:
    headers = login(any_client, "agent01") | {"Idempotency-Key": "race"}
    body = {**BODY, "subject": "race"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(
            pool.map(lambda _: any_client.post("/v1/tickets", json=body, headers=headers), range(6))
        )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    listed = any_client.get("/v1/tickets", params={"limit": 1000}, headers=headers).json()
    assert sum(t["subject"] == "race" for t in listed["items"]) == 1


def test_unknown_customer_is_422_naming_the_field(any_client: TestClient) -> None:
    response = any_client.post(
        "/v1/tickets", json={**BODY, "customer_id": 10**9}, headers=login(any_client, "agent01")
    )
    assert response.status_code == 422
    assert "body.customer_id" in response.json()["detail"]


def test_repair_walks_its_life_cycle_with_timeline_and_deadlines(any_client: TestClient) -> None:
    headers = login(any_client, "agent01")
    ticket = Ticket.model_validate(any_client.post("/v1/tickets", json=BODY, headers=headers).json())
    assert {d.segment for d in ticket.deadlines} >= {"AB", "on_site", "accept"}
    ab = next(d for d in ticket.deadlines if d.segment == "AB")
    assert ab.due_at is not None
    assert ab.met_at is None
    flow = FLOWS[TicketType.REPAIR]
    for status in flow[1:]:
        response = any_client.patch(
            f"/v1/tickets/{ticket.id}", json={"status": status.value, "note": status.value}, headers=headers
        )
        assert response.status_code == 200, response.text
    done = Ticket.model_validate(any_client.get(f"/v1/tickets/{ticket.id}", headers=headers).json())
    # Notes the customer-message queue adds ("SMS (filed) not sent: no SMS gateway configured") aside.
    done.timeline = [e for e in done.timeline if e.by != "notify"]
    assert [e.status for e in done.timeline] == list(flow)
    assert all(e.by == "agent01" for e in done.timeline)
    assert [e.at for e in done.timeline] == sorted(e.at for e in done.timeline)
    assert next(d for d in done.deadlines if d.segment == "AB").met_at == done.timeline[1].at
    final = any_client.patch(f"/v1/tickets/{ticket.id}", json={"status": "cancelled"}, headers=headers)
    assert final.status_code == 409
    assert "none: it is final" in final.json()["detail"]


def test_invalid_move_is_409_and_recall_reissues(any_client: TestClient) -> None:
    headers = login(any_client, "agent01")
    ticket_id = any_client.post("/v1/tickets", json=BODY, headers=headers).json()["id"]
    jump = any_client.patch(f"/v1/tickets/{ticket_id}", json={"status": "on_site"}, headers=headers)
    assert jump.status_code == 409
    assert "body.status" in jump.json()["detail"]
    assert "from created to on_site" in jump.json()["detail"]
    for status in ("issued", "recalled", "issued"):
        assert (
            any_client.patch(f"/v1/tickets/{ticket_id}", json={"status": status}, headers=headers).status_code
            == 200
        )
    ticket = Ticket.model_validate(any_client.get(f"/v1/tickets/{ticket_id}", headers=headers).json())
    moves = [e.status for e in ticket.timeline if e.by != "notify"]  # the message queue's notes aside
    assert moves == ["created", "issued", "recalled", "issued"]
    # A note does not move the status, and the SLA clock of the reissued step is kept.
    noted = any_client.patch(
        f"/v1/tickets/{ticket_id}", json={"note": "客户来电催办", "assignee": "抢修一班"}, headers=headers
    ).json()
    assert noted["status"] == "issued"
    assert noted["assignee"] == "抢修一班"
    assert noted["timeline"][-1]["note"] == "客户来电催办"
    after_note = Ticket.model_validate(noted)
    due = {d.segment: d.due_at for d in after_note.deadlines}
    assert due["BC"] is not None
    assert due["BC"] == next(d for d in ticket.deadlines if d.segment == "BC").due_at


def test_return_visit_and_patch_idempotency(any_client: TestClient) -> None:
    headers = login(any_client, "agent01")
    ticket_id = any_client.post(
        "/v1/tickets", json={**BODY, "ticket_type": "consultation"}, headers=headers
    ).json()["id"]
    move = {"status": "handled", "return_visit": {"resolved": True, "attitude": "satisfied", "score": 9}}
    keyed = headers | {"Idempotency-Key": "patch-1"}
    first = any_client.patch(f"/v1/tickets/{ticket_id}", json=move, headers=keyed)
    assert first.status_code == 200
    assert first.json()["return_visit"]["by"] == "agent01"
    again = any_client.patch(f"/v1/tickets/{ticket_id}", json=move, headers=keyed)
    assert again.status_code == 200
    assert again.content == first.content
    bad = any_client.patch(
        f"/v1/tickets/{ticket_id}", json={"return_visit": {"resolved": True, "score": 11}}, headers=headers
    )
    assert bad.status_code == 422
    assert "body.return_visit.score" in bad.json()["detail"]
    assert "body.return_visit.attitude" in bad.json()["detail"]
