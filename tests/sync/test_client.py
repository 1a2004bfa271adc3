"""BackendClient against httpx.MockTransport: parsing, read retries, error mapping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.domain.customer import CustomerPatch
from agent_tui.domain.ticket import TicketCreate, TicketStatus, TicketType
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import (
    AuthenticationRequired,
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
)
from agent_tui.sync.retry import Backoff, RetryPolicy, parse_retry_after

Handler = Callable[[httpx.Request], httpx.Response]

TICKET: dict[str, Any] = {
    "id": 7, "number": "GD1", "status": "created", "created_by": "agent01", "ticket_type": "repair",
    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
}


class Recorder:
    """A mock backend: answers from a list (the last answer repeats) and records requests and sleeps."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, retry: RetryPolicy | None = None, token: str | None = "tok") -> BackendClient:
        return BackendClient(
            "http://backend.test", transport=httpx.MockTransport(self), sleep=self.sleep,
            token=SecretStr(token) if token else None,
            retry=retry or RetryPolicy(attempts=4, total=60, backoff=Backoff(base=0.1, cap=1.0)),
        )


async def test_login_sets_token_and_hides_it() -> None:
    mock = Recorder(
        httpx.Response(201, json={"token": "s3cret", "role": "agent", "expires_at": "2030-01-01T00:00:00Z"}),
        httpx.Response(200, json={"status": "ok"}),
    )
    async with mock.client(token=None) as client:
        session = await client.login("agent01", SecretStr("demo"))
        assert session.username == "agent01"
        assert "s3cret" not in repr(session)
        assert "s3cret" not in repr(client)
        await client.health()
    assert mock.requests[0].read() == b'{"username":"agent01","password":"demo"}'
    assert "authorization" not in mock.requests[0].headers
    assert mock.requests[1].headers["authorization"] == "Bearer s3cret"


async def test_list_tickets_sends_filters_and_parses_page() -> None:
    mock = Recorder(httpx.Response(200, json={"items": [TICKET], "total": 1, "limit": 50, "offset": 0}))
    async with mock.client() as client:
        page = await client.list_tickets(customer=3, status=TicketStatus.CREATED)
    assert page.items[0].id == 7
    assert page.total == 1
    params = mock.requests[0].url.params
    assert params["customer"] == "3"
    assert params["status"] == "created"


async def test_read_retries_5xx_then_succeeds_with_backoff() -> None:
    mock = Recorder(httpx.Response(503), httpx.Response(502), httpx.Response(200, json={"status": "ok"}))
    async with mock.client() as client:
        assert await client.health() == {"status": "ok"}
    assert len(mock.requests) == 3
    assert len(mock.sleeps) == 2
    assert all(0 < s <= 1.0 for s in mock.sleeps)


async def test_read_honours_retry_after_on_429() -> None:
    mock = Recorder(httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json={}))
    async with mock.client() as client:
        await client.health()
    assert mock.sleeps == [3.0]


async def test_transport_errors_exhaust_attempts_and_become_unavailable() -> None:
    mock = Recorder(httpx.ConnectError("refused"))
    async with mock.client() as client:
        with pytest.raises(BackendUnavailable, match="ConnectError"):
            await client.get_ticket(1)
    assert len(mock.requests) == 4
    assert len(mock.sleeps) == 3


async def test_total_time_bounds_the_retries() -> None:
    mock = Recorder(httpx.Response(503, headers={"Retry-After": "10"}))
    policy = RetryPolicy(attempts=10, total=25, backoff=Backoff(base=0.1, cap=1.0))
    async with mock.client(policy) as client:
        with pytest.raises(BackendUnavailable) as info:
            await client.health()
    assert info.value.status == 503
    assert mock.sleeps == [10.0, 10.0]  # a third wait would pass the 25 s budget
    assert len(mock.requests) == 3


async def test_timeout_is_unavailable() -> None:
    mock = Recorder(httpx.ReadTimeout("slow"))
    async with mock.client(RetryPolicy(attempts=2)) as client:
        with pytest.raises(BackendUnavailable, match="timed out"):
            await client.list_queues()
    assert len(mock.requests) == 2


async def test_4xx_is_not_retried_and_carries_the_problem() -> None:
    problem = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no ticket 9"}
    mock = Recorder(httpx.Response(404, json=problem, headers={"content-type": "application/problem+json"}))
    async with mock.client() as client:
        with pytest.raises(BackendRejected) as info:
            await client.get_ticket(9)
    assert len(mock.requests) == 1
    assert info.value.status == 404
    assert info.value.problem.detail == "no ticket 9"


async def test_401_is_authentication_required() -> None:
    mock = Recorder(httpx.Response(401, json={"title": "Unauthorized", "status": 401, "detail": "bad token"}))
    async with mock.client() as client:
        with pytest.raises(AuthenticationRequired):
            await client.list_agents()


async def test_fastapi_validation_shape_names_the_field() -> None:
    body = {"detail": [{"loc": ["body", "phones", 0], "msg": "String should match pattern"}]}
    mock = Recorder(httpx.Response(422, json=body))
    async with mock.client() as client:
        with pytest.raises(BackendRejected) as info:
            await client.patch_customer(1, CustomerPatch(phones=["x"]))
    assert "phones.0" in info.value.problem.detail
    assert mock.requests[0].read() == b'{"phones":["x"]}'  # a PATCH sends only what was set


async def test_garbage_error_body_gives_a_clear_error() -> None:
    mock = Recorder(httpx.Response(400, content=b"<html>\x1b[31mproxy says no</html>"))
    async with mock.client() as client:
        with pytest.raises(BackendRejected) as info:
            await client.get_customer(1)
    assert "not JSON" in info.value.problem.detail
    assert "\x1b" not in info.value.problem.detail


async def test_garbage_success_body_is_a_protocol_error() -> None:
    mock = Recorder(httpx.Response(200, content=b"not json at all"))
    async with mock.client() as client:
        with pytest.raises(BackendProtocolError, match="not JSON"):
            await client.get_customer(1)


async def test_wrong_shape_is_a_protocol_error_naming_the_place() -> None:
    mock = Recorder(httpx.Response(200, json={"matches": [{"customer": {"id": "x"}}]}))
    async with mock.client() as client:
        with pytest.raises(BackendProtocolError, match=r"matches\.0\.customer"):
            await client.lookup(phone="13800000000")


async def test_writes_are_tried_once_with_an_idempotency_key() -> None:
    mock = Recorder(httpx.Response(503))
    async with mock.client() as client:
        with pytest.raises(BackendUnavailable):
            await client.create_ticket(TicketCreate(ticket_type=TicketType.REPAIR))
    assert len(mock.requests) == 1
    assert len(mock.requests[0].headers["idempotency-key"]) == 36


async def test_lookup_needs_exactly_one_key() -> None:
    mock = Recorder(httpx.Response(200, json={"matches": []}))
    async with mock.client() as client:
        with pytest.raises(ValueError, match="exactly one"):
            await client.lookup()
        assert (await client.lookup(account="1234567")).matches == []
    assert mock.requests[0].url.params["account"] == "1234567"


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_backoff_grows_and_is_capped() -> None:
    plain = Backoff(base=0.5, cap=4.0, jitter=False)
    assert [plain.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    jittered = Backoff(base=0.5, cap=4.0)
    assert all(0 < jittered.delay(n) <= 4.0 for n in range(50))


async def test_whole_lists_follow_every_page() -> None:
    codes = [f"r{n}" for n in range(5)]

    def pages(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(200, json={"items": codes[offset : offset + 2], "total": 5, "limit": 2,
                                         "offset": offset})

    async with BackendClient("http://b.test", transport=httpx.MockTransport(pages)) as client:
        assert await client.list_reasons() == codes
