"""`/v1/events`: the live event stream (Server-Sent Events), resumable with Last-Event-ID.

Each stream catches up from the table, then takes what the process's one reader hands it
(`server.fanout`): no query per stream per event.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from agent_tui.server.auth import AuthUser, CurrentUser
from agent_tui.server.broker import Broker
from agent_tui.server.fanout import Fanout, Subscription
from agent_tui.server.problems import ProblemError

router = APIRouter(prefix="/v1/events", tags=["events"])

RETRY_MS = 2000
"""Reconnect delay suggested to clients."""
BEHIND = ": too far behind; reconnect with Last-Event-ID\n\n"
"""The last words to a client that read too slowly (the stream then ends)."""


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
    fanout: Fanout = request.app.state.fanout
    if start is None:
        start = await run_in_threadpool(broker.latest_id)
    return StreamingResponse(
        _events(fanout, user, start, request.app.state.settings.keepalive_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(fanout: Fanout, user: AuthUser, last: int, keepalive_s: float) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n: connected after {last}\n\n"
    sub = Subscription(user.username, user.role, last)
    try:
        async for text in fanout.catch_up(sub):
            yield text
        sub.sent_at = time.monotonic()
        while True:
            text = sub.take()
            if sub.behind:
                yield BEHIND
                return
            if text:
                yield text
                sub.sent_at = time.monotonic()
            elif time.monotonic() - sub.sent_at >= keepalive_s:
                yield ": keep-alive\n\n"
                sub.sent_at = time.monotonic()
            else:
                await sub.ready.wait()  # the reader, or its keep-alive ticker, sets it
    finally:
        fanout.leave(sub)
