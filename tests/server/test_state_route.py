"""`PUT /v1/agents/{username}/state`: the lean path (`server/state_route.py`) answers its ordinary request
exactly as FastAPI's handler does, refuses as it does, and leaves everything else to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agent_tui.server import state_route
from tests.server.conftest import login, make_client

# A media type FastAPI reads as JSON and the lean path does not take: the same request down FastAPI's path.
FULL_PATH = "application/vnd.agent-tui+json"


@pytest.fixture
def lean(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each request the route saw: whether the lean path answered it."""
    seen: list[bool] = []
    ordinary = state_route.ordinary

    async def counting(request: Any) -> Any:
        answer = await ordinary(request)
        seen.append(answer is not None)
        return answer

    monkeypatch.setattr(state_route, "ordinary", counting)
    return seen


@pytest.fixture
def app(sqlite_url: str) -> Iterator[TestClient]:
    with make_client(sqlite_url) as client:
        # The route itself, without the fast lane in front of it (tests/server/test_fastlane.py tests that).
        client.app.fast_lane = None  # type: ignore[attr-defined]
        yield client


def put(client: TestClient, username: str, body: bytes, headers: dict[str, str], media: str) -> Any:
    return client.put(f"/v1/agents/{username}/state", content=body,
                      headers={**headers, "Content-Type": media})


def test_an_ordinary_change_is_answered_by_the_lean_path_byte_for_byte_as_by_fastapi(
        app: TestClient, lean: list[bool]) -> None:
    agent = login(app, "agent01")
    body = b'{"state": "on_call", "call_id": "c-1", "call_number": "13800000001", "queue": "95598-repair"}'
    first = put(app, "agent01", body, agent, "application/json")
    assert first.status_code == 200, first.text
    # The same change again through FastAPI's handler: nothing changes, so the answers must be equal.
    again = put(app, "agent01", body, agent, FULL_PATH)
    assert lean == [True, False]
    assert (again.status_code, again.content) == (200, first.content)
    assert first.headers["content-type"] == again.headers["content-type"] == "application/json"
    assert first.json()["state"]["call_id"] == "c-1"
    stored = app.get("/v1/agents/agent01/state", headers=agent)
    assert stored.content == first.content


@pytest.mark.parametrize(("who", "username", "body", "status"), [
    ("agent01", "agent02", b'{"state": "ready"}', 403),  # an agent sets only their own state
    ("agent01", "agent01", b'{"state": "not_ready", "reason": "nap"}', 422),  # unknown reason code
    ("sup01", "nobody", b'{"state": "ready"}', 404),  # the writer's answer
    (None, "agent01", b'{"state": "ready"}', 401),  # no token
])
def test_refusals_are_fastapis_own(app: TestClient, lean: list[bool], who: str | None, username: str,
                                   body: bytes, status: int) -> None:
    headers = login(app, who) if who else {}
    answers = [put(app, username, body, headers, media) for media in ("application/json", FULL_PATH)]
    assert [a.status_code for a in answers] == [status, status]
    assert answers[0].json() == answers[1].json()
    assert answers[0].headers["content-type"] == answers[1].headers["content-type"]


@pytest.mark.parametrize("body", [b'{"state": "ready"', b'{"state": "asleep"}', b"[]",
                                  b'{"state": "ready", "x": 1}'])
def test_a_body_that_does_not_parse_or_validate_goes_to_fastapi_and_is_refused_as_before(
        app: TestClient, lean: list[bool], body: bytes) -> None:
    agent = login(app, "agent01")
    answers = [put(app, "agent01", body, agent, media) for media in ("application/json", FULL_PATH)]
    assert lean == [False, False]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json() == answers[1].json()


def test_other_content_types_go_to_fastapi(app: TestClient, lean: list[bool]) -> None:
    agent = login(app, "agent01")
    answer = put(app, "agent01", b'{"state": "ready"}', agent, "text/plain")
    assert lean == [False]
    assert answer.status_code == 422  # FastAPI's strict content type, as before
