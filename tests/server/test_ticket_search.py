"""Ticket search by number, phone and account on SQLite and PostgreSQL: exact, combinable, never "all"."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.server.conftest import login


def _file(client: TestClient, headers: dict[str, str], customer_id: int, subject: str) -> dict[str, Any]:
    response = client.post("/v1/tickets", headers=headers, json={
        "ticket_type": "repair", "customer_id": customer_id, "subject": subject})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _search(client: TestClient, headers: dict[str, str], **params: object) -> list[dict[str, Any]]:
    response = client.get("/v1/tickets", headers=headers, params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return list(body["items"])


def test_tickets_are_found_by_number_phone_and_account(any_client: TestClient) -> None:
    headers = login(any_client, "agent01")
    first = any_client.get("/v1/customers/1", headers=headers).json()
    second = any_client.get("/v1/customers/2", headers=headers).json()
    mine = _file(any_client, headers, 1, "search one")
    other = _file(any_client, headers, 2, "search two")
    everything = _search(any_client, headers)
    assert len(everything) > 2

    by_number = _search(any_client, headers, number=mine["number"])
    assert [t["id"] for t in by_number] == [mine["id"]]

    # The phone as a caller presents it, with the country code and separators.
    phone = str(first["phones"][0])
    typed = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}" if len(phone) == 11 and phone[0] == "1" else phone
    by_phone = _search(any_client, headers, phone=typed)
    assert {t["customer_id"] for t in by_phone} == {1}
    assert mine["id"] in {t["id"] for t in by_phone}
    assert other["id"] not in {t["id"] for t in by_phone}

    by_account = _search(any_client, headers, account=second["account"])
    assert {t["customer_id"] for t in by_account} == {2}
    assert other["id"] in {t["id"] for t in by_account}

    # Combined filters all hold: a number with the other customer's account finds nothing.
    assert [t["id"] for t in _search(any_client, headers, number=mine["number"], account=first["account"])] \
        == [mine["id"]]
    assert _search(any_client, headers, number=mine["number"], account=second["account"]) == []
    assert _search(any_client, headers, phone=typed, account=second["account"]) == []


def test_unknown_values_find_nothing_not_everything(any_client: TestClient) -> None:
    headers = login(any_client, "agent01")
    _file(any_client, headers, 1, "present")
    assert _search(any_client, headers, number="GD19990101999999") == []
    assert _search(any_client, headers, phone="99999999999") == []
    assert _search(any_client, headers, phone="no digits") == []
    assert _search(any_client, headers, account="0000000000") == []


def test_search_filters_are_in_the_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/v1/tickets"]["get"]["parameters"]}
    for name in ("number", "phone", "account"):
        assert params[name]["in"] == "query"
        assert params[name].get("description")
