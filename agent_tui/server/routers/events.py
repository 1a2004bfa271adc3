"""`/v1/events`: the live event stream (Server-Sent Events), resumable with Last-Event-ID."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from agent_tui.domain.events import Event
from agent_tui.server.auth import AuthUser, CurrentUser
from agent_tui.server.broker import Broker
from agent_tui.server.problems import ProblemError

router = APIRouter(prefix="/v1/events", tags=["events"])

RETRY_MS = 2000
"""Reconnect delay suggested to clients."""


def format_event(event: Event) -> str:
    """One SSE message: `id`, `event` (the kind) and the event as JSON on one `data` line."""
    return f"id: {event.id}\nevent: {event.kind.value}\ndata: {event.model_dump_json()}\n\n"


@router.get(
    "",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An endless event stream."}},
)
async def stream(
    request: Request,
    user: CurrentUser,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    after: Annotated[int | None, Query(ge=0, description="Like Last-Event-ID, for clients without headers.")]
    = None,
) -> StreamingResponse:
    """Events the user may see: everything broadcast, plus those targeted at them.

    Without Last-Event-ID (or `after`) the stream starts with events newer than the connection.
    """
    start: int | None = after
    if last_event_id is not None and last_event_id.strip():
        try:
            start = int(last_event_id)
        except ValueError as exc:
            raise ProblemError(422, "must be an event id (an integer)", field="header.Last-Event-ID") from exc
    broker: Broker = request.app.state.broker
    settings = request.app.state.settings
    if start is None:
        start = await run_in_threadpool(broker.latest_id)
    return StreamingResponse(
        _events(broker, user, start, settings.keepalive_s, settings.event_poll_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(
    broker: Broker, user: AuthUser, last: int, keepalive_s: float, poll_s: float
) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n: connected after {last}\n\n"
    sent_at = time.monotonic()
    while True:
        wake = broker.notifier.current()
        events = await run_in_threadpool(broker.fetch, last, user.username, user.role)
        if events:
            yield "".join(format_event(e) for e in events)
            last = events[-1].id
            sent_at = time.monotonic()
            continue
        idle = time.monotonic() - sent_at
        if idle >= keepalive_s:
            yield ": keep-alive\n\n"
            sent_at = time.monotonic()
            idle = 0.0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=min(poll_s, keepalive_s - idle))
