"""The fast lane (agent_tui/server/fastlane.py): the ordinary request answered without FastAPI's
machinery, byte for byte as FastAPI's route answers it; everything else left to FastAPI's path."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agent_tui.server import state_route
from agent_tui.server.app import Backend
from agent_tui.server.db import Database
from agent_tui.server.fastlane import FastBodyRoute, FastLane, FastRoute
from agent_tui.server.lookup import PHONE_MAX_LENGTH, Lookup
from agent_tui.server.models import CustomerRow
from tests.server.conftest import login, make_client


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with make_client(sqlite_url) as client:
        yield client


def first_phone(client: TestClient) -> str:
    app = client.app
    assert isinstance(app, Backend)
    db: Database = app.state.db
    with db.read() as session:
        phones = session.execute(select(CustomerRow.phones).order_by(CustomerRow.id)).scalars().first()
    assert phones
    return str(phones[0])


def scope_of(path: str, query: bytes, headers: dict[str, str], method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "query_string": query,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}


def fast_answers(app: Backend, path: str, query: bytes, headers: dict[str, str], method: str = "GET") -> bool:
    """Whether the fast lane itself answers this request (what it sends is dropped)."""
    assert app.fast_lane is not None
    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    rest = asyncio.run(app.fast_lane.answer(scope_of(path, query, headers, method), receive, send))
    answered = rest is None
    assert answered == bool(sent)
    return answered


def both_ways(client: TestClient, params: Any, headers: dict[str, str]) -> tuple[Any, Any, Any]:
    """The same request through FastAPI's path, the fast lane (when it takes it), and FastAPI's again."""
    app = client.app
    assert isinstance(app, Backend)
    lane = app.fast_lane
    try:
        app.fast_lane = None
        full1 = client.get("/v1/customers/lookup", params=params, headers=headers)
        app.fast_lane = lane
        fast = client.get("/v1/customers/lookup", params=params, headers=headers)
        app.fast_lane = None
        full2 = client.get("/v1/customers/lookup", params=params, headers=headers)
    finally:
        app.fast_lane = lane
    return full1, fast, full2


def same(full1: Any, fast: Any, full2: Any) -> None:
    # SLA flags are judged as of the request: the fast answer equals one of FastAPI's around it.
    assert fast.status_code == full1.status_code == full2.status_code
    assert fast.content in (full1.content, full2.content)
    assert list(fast.headers.items()) in (list(full1.headers.items()), list(full2.headers.items()))


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_the_fast_lane_answers_the_ordinary_lookup_as_fastapi_does(
    backend: str, request: pytest.FixtureRequest
) -> None:
    with make_client(request.getfixturevalue(backend)) as client:
        app = client.app
        assert isinstance(app, Backend)
        headers = login(client, "agent01")
        phone = first_phone(client)
        query = f"phone={phone}".encode()
        # Before FastAPI's path has checked the token, the lane leaves the request to it.
        assert not fast_answers(app, "/v1/customers/lookup", query, headers)
        for number in (phone, f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}", "19999999999"):
            full1, fast, full2 = both_ways(client, {"phone": number}, headers)
            assert fast.status_code == 200
            same(full1, fast, full2)
            assert fast_answers(app, "/v1/customers/lookup", f"phone={number}".encode(), headers)
        assert b'"matches":[]' not in both_ways(client, {"phone": phone}, headers)[1].content


def test_everything_but_the_ordinary_case_is_fastapis(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, Backend)
    agent = login(client, "agent01")
    field = login(client, "field01")
    phone = first_phone(client)
    # Both tokens checked once through FastAPI's path, so the cache knows them.
    assert client.get("/v1/customers/lookup", params={"phone": phone}, headers=agent).status_code == 200
    assert client.get("/v1/customers/lookup", params={"phone": phone}, headers=field).status_code == 403
    cases: list[tuple[Any, dict[str, str], int]] = [
        ({"phone": phone}, {}, 401),                                    # no token
        ({"phone": phone}, {"Authorization": "Bearer nope"}, 401),      # unknown token
        ({"phone": phone}, {"Authorization": "Basic abc"}, 401),        # not a bearer token
        ({"phone": phone}, field, 403),                                 # a role the route refuses
        ({}, agent, 422),                                               # neither parameter
        ({"phone": phone, "account": "123"}, agent, 422),               # both
        ({"phone": "x" * (PHONE_MAX_LENGTH + 1)}, agent, 422),          # too long
        ({"phone": "1" * PHONE_MAX_LENGTH}, agent, 200),                # as long as it may be
        ({"phone": "no digits"}, agent, 422),
        ([("phone", phone), ("phone", phone)], agent, 200),             # repeated
        ({"phone": phone, "other": "1"}, agent, 200),                   # an extra parameter
        ({"account": "000000"}, agent, 200),                            # by account
    ]
    for params, headers, status in cases:
        full1, fast, full2 = both_ways(client, params, headers)
        assert fast.status_code == status, (params, fast.text)
        same(full1, fast, full2)
    assert fast_answers(app, "/v1/customers/lookup", b"phone=" + b"1" * PHONE_MAX_LENGTH, agent)
    for query, headers in ((f"phone={phone}".encode(), {}), (f"phone={phone}".encode(), field),
                           (b"", agent), (f"phone={phone}&other=1".encode(), agent),
                           (f"phone={phone}&phone={phone}".encode(), agent), (b"account=000000", agent),
                           (b"phone=" + b"1" * (PHONE_MAX_LENGTH + 1), agent)):
        assert not fast_answers(app, "/v1/customers/lookup", query, headers), query
    # A body, another method, another path: FastAPI's.
    assert not fast_answers(app, "/v1/customers/lookup", f"phone={phone}".encode(),
                            agent | {"Content-Length": "2"})
    assert not fast_answers(app, "/v1/customers/lookup", f"phone={phone}".encode(), agent, method="HEAD")
    assert not fast_answers(app, "/v1/customers", b"", agent)


def test_a_token_logged_out_is_refused_at_once(client: TestClient) -> None:
    app = client.app
    assert isinstance(app, Backend)
    headers = login(client, "agent01")
    phone = first_phone(client)
    assert client.get("/v1/customers/lookup", params={"phone": phone}, headers=headers).status_code == 200
    assert fast_answers(app, "/v1/customers/lookup", f"phone={phone}".encode(), headers)
    assert client.delete("/v1/sessions/current", headers=headers).status_code == 204
    assert not fast_answers(app, "/v1/customers/lookup", f"phone={phone}".encode(), headers)
    assert client.get("/v1/customers/lookup", params={"phone": phone}, headers=headers).status_code == 401


def test_a_failing_lookup_answers_the_apps_500_problem(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = login(client, "agent01")
    phone = first_phone(client)
    assert client.get("/v1/customers/lookup", params={"phone": phone}, headers=headers).status_code == 200

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Lookup, "by_phone", broken)
    full1, fast, full2 = both_ways(client, {"phone": phone}, headers)
    assert fast.status_code == 500
    assert fast.headers["content-type"] == "application/problem+json"
    same(full1, fast, full2)
    assert b"disk on fire" not in fast.content


def test_a_public_route_is_not_for_the_fast_lane() -> None:
    async def handler(_state: object, _user: object, _query: bytes) -> bytes | None:
        return None

    with pytest.raises(ValueError, match="public"):
        FastLane(object(), [FastRoute("POST", "/v1/sessions", handler)])


# The state PUT (state_route.fast_change): the ordinary change answered by the lane, every refusal FastAPI's.
STATE = "/v1/agents/{username}/state"


def counting_lane(app: Backend) -> list[bool]:
    """Put a lane in front of `app` whose state route records, per request it saw, whether it answered."""
    seen: list[bool] = []

    async def counting(state: Any, user: Any, username: str, raw: bytes) -> bytes | None:
        answer = await state_route.fast_change(state, user, username, raw)
        seen.append(answer is not None)
        return answer

    app.fast_lane = FastLane(app.state, [FastBodyRoute("PUT", STATE, counting)])
    return seen


def put_both_ways(client: TestClient, username: str, body: bytes,
                  headers: dict[str, str]) -> tuple[Any, Any, Any]:
    """The same PUT through FastAPI's path, the lane (when it takes it), and FastAPI's path again."""
    app = client.app
    assert isinstance(app, Backend)
    lane = app.fast_lane
    answers = []
    try:
        for on in (False, True, False):
            app.fast_lane = lane if on else None
            answers.append(client.put(STATE.format(username=username), content=body, headers=headers))
    finally:
        app.fast_lane = lane
    return answers[0], answers[1], answers[2]


def json_headers(headers: dict[str, str], media: str = "application/json") -> dict[str, str]:
    return headers | {"Content-Type": media}


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_the_fast_lane_answers_the_ordinary_state_change_as_fastapi_does(
    backend: str, request: pytest.FixtureRequest
) -> None:
    with make_client(request.getfixturevalue(backend)) as client:
        app = client.app
        assert isinstance(app, Backend)
        seen = counting_lane(app)
        agent = json_headers(login(client, "agent01"))
        supervisor = json_headers(login(client, "sup01"))
        body = (b'{"state": "on_call", "call_id": "c-9", "call_number": "13800000009", '
                b'"queue": "95598-repair"}')
        # The first request checks the token through FastAPI's path; the lane takes the ones after it.
        first = client.put(STATE.format(username="agent01"), content=body, headers=agent)
        assert first.status_code == 200, first.text
        assert seen == []
        full1, fast, full2 = put_both_ways(client, "agent01", body, agent)
        assert seen == [True]
        assert fast.status_code == 200
        assert fast.json()["state"]["call_id"] == "c-9"
        same(full1, fast, full2)
        assert fast.content == first.content  # the same change again: nothing changed
        # A supervisor sets an agent's state; the stored state is the lane's answer.
        assert client.put(STATE.format(username="agent01"), content=b'{"state": "ready"}',
                          headers=supervisor).status_code == 200
        seen.clear()
        changed = client.put(STATE.format(username="agent01"),
                             content=b'{"state": "not_ready", "reason": "break"}', headers=supervisor)
        assert seen == [True]
        assert changed.status_code == 200
        stored = client.get(STATE.format(username="agent01"), headers=agent)
        assert stored.content == changed.content
        assert stored.json()["state"]["state"] == "not_ready"


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_every_state_refusal_is_fastapis(backend: str, request: pytest.FixtureRequest) -> None:
    with make_client(request.getfixturevalue(backend)) as client:
        app = client.app
        assert isinstance(app, Backend)
        seen = counting_lane(app)
        agent = login(client, "agent01")
        field = login(client, "field01")
        supervisor = login(client, "sup01")
        ready = b'{"state": "ready"}'
        for headers in (agent, field, supervisor):  # each token checked once by FastAPI's path
            client.put(STATE.format(username="agent01"), content=ready, headers=json_headers(headers))
        seen.clear()
        cases: list[tuple[str, bytes, dict[str, str], int]] = [
            ("agent01", ready, json_headers({}), 401),                              # no token
            ("agent01", ready, json_headers({"Authorization": "Bearer nope"}), 401),  # unknown token
            ("agent01", ready, json_headers(field), 403),                           # a role refused
            ("agent02", ready, json_headers(agent), 403),                           # not their own
            ("nobody", ready, json_headers(supervisor), 404),                       # no such agent
            ("agent01", b'{"state": "not_ready", "reason": "nap"}', json_headers(agent), 422),
            ("agent01", b'{"state": "ready"', json_headers(agent), 422),            # not JSON
            ("agent01", b'{"state": "asleep"}', json_headers(agent), 422),          # not a state
            ("agent01", b"[]", json_headers(agent), 422),
            ("agent01", ready, json_headers(agent, "text/plain"), 422),             # another type
            ("agent01", ready, agent, 422),                                         # no type
            ("agent01", ready, json_headers(agent, "application/vnd.agent-tui+json"), 200),
            ("agent01", b" " * 5000 + ready, json_headers(agent), 200),             # long: FastAPI's
        ]
        for username, body, headers, status in cases:
            full1, fast, full2 = put_both_ways(client, username, body, headers)
            assert fast.status_code == status, (username, body[:40], headers, fast.text)
            same(full1, fast, full2)
        # The lane answered none: the refusals it saw it left to the route, the rest it never read.
        assert seen == [False] * 6, seen


def test_a_state_route_needs_one_whole_segment_parameter() -> None:
    async def handler(_state: object, _user: object, _name: str, _body: bytes) -> bytes | None:
        return None

    for path in ("/v1/agents/state", "/v1/agents/x{username}/state", "/v1/agents/{username}x",
                 "/v1/{a}/{b}/state"):
        with pytest.raises(ValueError, match="parameter"):
            FastLane(object(), [FastBodyRoute("PUT", path, handler)])
