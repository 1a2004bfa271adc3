"""Every error is RFC 9457 problem+json: 401, 403, 404, 413, 422."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import login, make_client

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, *in_detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert isinstance(body["detail"], str)
    for text in in_detail:
        assert text in body["detail"], body


def test_missing_and_bad_tokens_are_401(client: TestClient) -> None:
    missing = client.get("/v1/customers")
    assert_problem(missing, 401, "missing bearer token")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert_problem(client.get("/v1/customers", headers={"Authorization": "Bearer nope"}), 401, "unknown")
    assert_problem(client.get("/v1/customers", headers={"Authorization": "Basic abc"}), 401)


def test_expired_token_is_401(sqlite_url: str) -> None:
    with make_client(sqlite_url, token_ttl_s=1) as client:
        headers = login(client, "agent01")
        db = client.app.state.db  # type: ignore[attr-defined]
        from sqlalchemy import update

        from agent_tui.domain.base import utc_now
        from agent_tui.server.models import TokenRow

        with db.write() as session:
            session.execute(update(TokenRow).values(expires_at=utc_now()))
        assert_problem(client.get("/v1/customers", headers=headers), 401, "expired")


def test_wrong_role_is_403(client: TestClient) -> None:
    trainer = login(client, "trainer01")
    assert_problem(
        client.patch("/v1/customers/1", json={"tier": "gold"}, headers=trainer),
        403,
        "role trainer",
        "agent, supervisor",
    )
    agent = login(client, "agent01")
    assert_problem(client.post("/v1/agents/agent02/commands", json={"command": "coach"}, headers=agent), 403)


def test_invalid_json_and_fields_are_422_naming_the_field(client: TestClient) -> None:
    headers = login(client, "agent01") | {"Content-Type": "application/json"}
    assert_problem(client.post("/v1/tickets", content=b"{not json", headers=headers), 422, "body")
    response = client.post("/v1/tickets", json={"ticket_type": "teleport", "priority": 9}, headers=headers)
    assert_problem(response, 422, "body.ticket_type", "body.priority")
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"body.ticket_type", "body.priority"}
    assert_problem(client.post("/v1/sessions", json={"username": "x"}), 422, "body.password")
    extra = client.post(
        "/v1/customers", json={"account": "12345678", "name": "x", "colour": "red"}, headers=headers
    )
    assert_problem(extra, 422, "body.colour")
    assert_problem(client.get("/v1/tickets/abc", headers=headers), 422, "path.ticket_id")


def test_not_found_is_404(client: TestClient) -> None:
    headers = login(client, "agent01")
    assert_problem(client.get("/v1/tickets/424242", headers=headers), 404, "no ticket 424242")
    assert_problem(client.get("/v1/no-such-thing", headers=headers), 404)


@pytest.fixture
def small_limit(sqlite_url: str) -> Iterator[TestClient]:
    with make_client(sqlite_url, max_body_bytes=2048) as client:
        yield client


def test_oversized_bodies_are_413_with_or_without_length(small_limit: TestClient) -> None:
    headers = login(small_limit, "agent01")
    big = {"ticket_type": "repair", "description": "x" * 5000}
    assert_problem(small_limit.post("/v1/tickets", json=big, headers=headers), 413, "2048 bytes")

    def chunks() -> Iterator[bytes]:
        yield b'{"ticket_type": "repair", "description": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    chunked = small_limit.post(
        "/v1/tickets", content=chunks(), headers=headers | {"Content-Type": "application/json"}
    )
    assert_problem(chunked, 413)
    fits = small_limit.post(
        "/v1/tickets", json={"ticket_type": "repair", "description": "z" * 500}, headers=headers
    )
    assert fits.status_code == 201
