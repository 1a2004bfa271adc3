"""The feed before the wallboard's model: the SSE parser on big chunks, the event parsed once, and the
stream handing the event loop over between slices of a chunk (no Textual; httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.domain.events import Event, EventKind
from agent_tui.sync.client import BackendClient
from agent_tui.sync.events import HAND_OVER_EVERY, EventStream, event_from_message
from agent_tui.sync.retry import Backoff
from agent_tui.sync.sse import SseMessage, SseParser

AT = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)


def frame(n: int, end: str = "\n") -> str:
    """One event as our backend writes it (server/broker.py), with the given line end."""
    event = Event(id=n, kind=EventKind.AGENT_STATE, at=AT,
                  data={"username": f"a{n:04d}", "state": {"state": "ready", "since": AT.isoformat()}})
    return end.join([f"id: {n}", f"event: {event.kind}", f"data: {event.model_dump_json()}", "", ""])


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_backlog_in_one_chunk_gives_what_it_gives_character_by_character(end: str) -> None:
    text = "".join(frame(n, end) for n in range(1, 301)) + ": keep-alive" + end + "id: 301" + end
    whole, single = SseParser(), SseParser()
    at_once = whole.feed(text)
    one_by_one = [m for c in text for m in single.feed(c)]
    assert [m.id for m in at_once] == [str(n) for n in range(1, 301)]
    assert at_once == one_by_one
    assert (whole.comments, whole.last_event_id) == (single.comments, single.last_event_id) == (1, "301")


def test_a_line_cut_after_its_cr_is_one_line_end_with_the_next_chunks_lf() -> None:
    parser = SseParser()
    assert parser.feed("id: 7\r\nevent: alert\r\ndata: x\r") == []
    messages = parser.feed("\n\r\n")
    assert [(m.id, m.event, m.data) for m in messages] == [("7", "alert", "x")]


def test_our_backends_event_is_parsed_once_into_the_same_event() -> None:
    sent = Event(id=42, kind=EventKind.ALERT, at=AT, target="sup01", data={"text": "queue over SLA"})
    got = event_from_message(SseMessage("alert", sent.model_dump_json(), "42"))
    assert got == sent


def test_data_that_only_looks_like_an_event_falls_back_to_the_data_form() -> None:
    # `{"id": ...` first but not a whole event: the SSE fields give the id and kind, as before.
    got = event_from_message(SseMessage("agent_rows", '{"id": 3, "rows": []}', "9"))
    assert got is not None
    assert (got.id, got.kind, got.data) == (9, EventKind.AGENT_ROWS, {"id": 3, "rows": []})


def test_a_whole_event_that_fails_validation_is_skipped() -> None:
    bad = '{"id": 5, "kind": "no_such_kind", "at": "2026-12-05T17:00:00Z", "data": {}}'
    assert event_from_message(SseMessage("no_such_kind", bad, "5")) is None


async def test_the_stream_hands_the_loop_over_between_slices_of_a_big_chunk() -> None:
    body = "".join(frame(n) for n in range(1, 101)).encode()
    client = BackendClient("http://b.test", token=SecretStr("t"), transport=httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"Content-Type": "text/event-stream"}, content=body)))
    ticks = 0

    async def other_task() -> None:  # stands for the App's key handling: counts its turns
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    other = asyncio.ensure_future(other_task())
    stream = EventStream(client, backoff=Backoff(base=5, cap=5))
    seen: list[tuple[int, int]] = []
    try:
        async for event in stream:
            seen.append((event.id, ticks))
            if len(seen) == 100:
                break
    finally:
        stream.close()
        other.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await other
        await client.aclose()
    assert [n for n, _ in seen] == list(range(1, 101))
    # The chunk came whole (the same tick count for a run of events); the other task got a turn
    # after each slice, so no run is longer than a slice and there is one run per slice.
    runs: dict[int, int] = {}
    for _, tick in seen:
        runs[tick] = runs.get(tick, 0) + 1
    assert max(runs.values()) == HAND_OVER_EVERY
    assert len(runs) == -(-100 // HAND_OVER_EVERY)
