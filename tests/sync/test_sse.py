"""The SSE wire-format parser and the EventStream's reconnect logic (httpx.MockTransport)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.domain.events import Event, EventKind
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import AuthenticationRequired, BackendRejected
from agent_tui.sync.events import EventStream, StreamState, StreamStatus
from agent_tui.sync.retry import Backoff
from agent_tui.sync.sse import SseParser


def test_fields_comments_and_multiline_data() -> None:
    parser = SseParser()
    messages = parser.feed(": keep-alive\nid: 5\nevent: queue_stats\ndata: a\ndata:b\nretry: 1500\n\n")
    assert len(messages) == 1
    assert (messages[0].event, messages[0].data, messages[0].id) == ("queue_stats", "a\nb", "5")
    assert parser.retry_ms == 1500
    assert parser.comments == 1


@pytest.mark.parametrize("split", [1, 2, 3, 5, 7, 11])
def test_any_chunking_and_line_ending_gives_the_same_messages(split: int) -> None:
    text = "id: 1\r\nevent: call\r\ndata: x\r\n\r\nid: 2\rdata: y\r\rdata: z\n\n"
    parser = SseParser()
    messages = []
    for start in range(0, len(text), split):
        messages += parser.feed(text[start : start + split])
    assert [(m.id, m.event, m.data) for m in messages] == [("1", "call", "x"), ("2", "message", "y"),
                                                           ("2", "message", "z")]


def test_edge_cases_of_the_standard() -> None:
    parser = SseParser()
    assert parser.feed("event: x\n\n") == []  # no data: nothing dispatched
    assert parser.feed("data\n\n")[0].data == ""  # a field without a colon has an empty value
    parser.feed("id: bad\0id\nretry: soon\n")
    assert parser.last_event_id is None
    assert parser.retry_ms is None
    assert parser.feed("data:  two spaces\n\n")[0].data == " two spaces"  # only one space is stripped
    parser.feed("data: half a mess")
    parser.reset_message()
    assert parser.feed("age\n\n") == []  # the half line was dropped; "age" alone is an unknown field
    assert parser.feed("data: ok\n\n")[0].data == "ok"


def _sse(*events: tuple[int, str, dict[str, Any]], retry: int | None = None) -> bytes:
    out = [f"retry: {retry}\n"] if retry is not None else []
    out.append(": hello\n\n")
    for event_id, kind, data in events:
        out.append(f"id: {event_id}\nevent: {kind}\ndata: {json.dumps(data)}\n\n")
    return "".join(out).encode()


class SseBackend:
    """A scripted SSE server: one answer per connection; records requests and sleeps."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def stream(self, statuses: list[StreamStatus], last_event_id: str | None = None) -> EventStream:
        client = BackendClient("http://b.test", token=SecretStr("t"), transport=httpx.MockTransport(self))
        return EventStream(client, on_status=statuses.append, sleep=self.sleep, last_event_id=last_event_id,
                           backoff=Backoff(base=0.25, cap=2.0, jitter=False))


def ok(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})


async def test_reconnects_with_last_event_id_and_server_retry() -> None:
    full = {"id": 3, "kind": "agent_state", "at": "2026-01-01T00:00:00Z", "target": "agent01",
            "data": {"state": "ready"}}
    backend = SseBackend(
        ok(_sse((1, "queue_stats", {"queue": "q1"}), (2, "command", {"do": "ready"}), retry=700)),
        httpx.ConnectError("refused"),
        httpx.Response(503, headers={"Retry-After": "4"}),
        ok(f"id: 3\nevent: agent_state\ndata: {json.dumps(full)}\n\n".encode()),
        httpx.Response(204),
    )
    statuses: list[StreamStatus] = []
    events: list[Event] = [event async for event in backend.stream(statuses)]
    assert [e.id for e in events] == [1, 2, 3]
    assert events[0].kind == EventKind.QUEUE_STATS
    assert events[0].data == {"queue": "q1"}
    assert events[2].target == "agent01"
    sent = [r.headers.get("last-event-id") for r in backend.requests]
    assert sent == [None, "2", "2", "2", "3"]
    assert backend.requests[0].headers["authorization"] == "Bearer t"
    # retry: 700 ms is the base after the clean end; then doubles; Retry-After wins when given.
    assert backend.sleeps == [0.7, 1.4, 4.0, 0.7]
    states = [s.state for s in statuses]
    assert states[0] == StreamState.CONNECTING
    assert states[-1] == StreamState.CLOSED
    assert states.count(StreamState.CONNECTED) == 2
    assert any(s.state == StreamState.RECONNECTING and "ConnectError" in s.detail for s in statuses)


async def test_resumes_from_a_given_id_and_skips_unknown_events() -> None:
    backend = SseBackend(
        ok(b"id: 10\nevent: martian\ndata: {}\n\nid: 11\nevent: ticket\ndata: not json\n\n"
           b"id: 12\nevent: ticket\ndata: {\"id\": 5}\n\n"),
        httpx.Response(204),
    )
    events = [e async for e in backend.stream([], last_event_id="9")]
    assert [(e.id, e.kind) for e in events] == [(12, EventKind.TICKET)]
    assert backend.requests[0].headers["last-event-id"] == "9"


async def test_401_stops_with_needs_login() -> None:
    backend = SseBackend(httpx.Response(401, json={"title": "Unauthorized", "status": 401}))
    statuses: list[StreamStatus] = []
    with pytest.raises(AuthenticationRequired):
        _ = [e async for e in backend.stream(statuses)]
    assert statuses[-1].state == StreamState.NEEDS_LOGIN


async def test_403_is_rejected_not_retried() -> None:
    backend = SseBackend(httpx.Response(403, json={"title": "Forbidden", "status": 403, "detail": "role"}))
    with pytest.raises(BackendRejected):
        _ = [e async for e in backend.stream([])]
    assert len(backend.requests) == 1
