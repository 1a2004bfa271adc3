"""`EventStream`: the live event stream (`GET /v1/events`) with reconnect and Last-Event-ID.

Iterate it in a worker: `async for event in EventStream(client, on_status=...)`. It reconnects on
its own after transport errors, 5xx/429 and clean end-of-stream, waiting with backoff and jitter
(the server's `retry:` is the first delay; Retry-After is honoured), and resumes from the last id
it saw. A 401 ends the iteration with `AuthenticationRequired` (log in again, then start a new
stream with `last_event_id=old.last_event_id`); other 4xx end it with `BackendRejected`. Cancel the
worker, or call `close()`, to stop it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
from pydantic import ValidationError

from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.sync.client import BackendClient, Sleep
from agent_tui.sync.errors import AuthenticationRequired, BackendRejected
from agent_tui.sync.link_health import ExchangeOutcome
from agent_tui.sync.responses import problem_from_response
from agent_tui.sync.retry import Backoff, parse_retry_after
from agent_tui.sync.sse import SseMessage, SseParser
from agent_tui.sync.text import clean_text

log = logging.getLogger(__name__)


HAND_OVER_EVERY = 16
"""Events of one received chunk handled before the stream lets the event loop run other tasks (the
consumer's work per event is included: the wallboard's is ~0.1-0.2 ms, so a slice is a few ms)."""


class StreamState(StrEnum):
    """Where the event stream's connection is."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    """Lost; waiting `retry_in` seconds before the next try."""
    NEEDS_LOGIN = "needs_login"
    CLOSED = "closed"


@dataclass(frozen=True)
class StreamStatus:
    """What the stream reports through its `on_status` callback."""

    state: StreamState
    detail: str = ""
    retry_in: float | None = None
    last_event_id: str | None = None


def event_from_message(message: SseMessage) -> Event | None:
    """The domain event a message carries, or None when it is not one we know (logged, skipped).

    The `data:` is JSON: either a whole `Event` or only its `data` part, in which case the id and
    kind come from the SSE `id:` and `event:` fields.
    """
    if message.data.startswith('{"id":'):
        # What our backend sends (a whole event, `id` first): parsed and validated in one pass, by
        # pydantic's JSON parser, rather than into Python objects first and validated after.
        try:
            return Event.model_validate_json(message.data)
        except ValidationError:
            pass  # told below, the same way as any other message
    try:
        payload: Any = json.loads(message.data)
    except json.JSONDecodeError:
        log.warning("event stream: skipped a message whose data is not JSON (event %r)", message.event)
        return None
    try:
        if isinstance(payload, dict) and {"id", "kind", "at"} <= payload.keys():
            return Event.model_validate(payload)
        if message.id is None or not message.id.isdigit():
            log.warning("event stream: skipped a message without a numeric id (event %r)", message.event)
            return None
        data = payload if isinstance(payload, dict) else {"value": payload}
        return Event(id=int(message.id), kind=EventKind(message.event), at=utc_now(), data=data)
    except (ValidationError, ValueError) as exc:
        log.warning("event stream: skipped event %r: %s", message.event, clean_text(str(exc))[:200])
        return None


class EventStream:
    """Async iterator of live `Event`s from the backend, resumable across reconnects."""

    def __init__(
        self,
        client: BackendClient,
        *,
        path: str = "/v1/events",
        last_event_id: str | None = None,
        on_status: Callable[[StreamStatus], None] | None = None,
        backoff: Backoff | None = None,
        read_timeout: float = 60.0,
        sleep: Sleep | None = None,
    ) -> None:
        """Stream from `path` on `client`.

        `read_timeout` must exceed the server's keep-alive interval: silence that long counts as a
        dead connection. `on_status` is called on every state change (from the iterating task).
        """
        self._client = client
        self._path = path
        self._parser = SseParser()
        self._parser.last_event_id = last_event_id
        self._on_status = on_status
        self._backoff = backoff or Backoff(base=0.5, cap=15.0)
        self._read_timeout = read_timeout
        self._sleep = sleep
        self._stop = asyncio.Event()
        self._state = StreamState.CLOSED
        self.connects = 0
        """Successful connections so far (1 + reconnects)."""

    @property
    def last_event_id(self) -> str | None:
        """The id of the last event received: resume a new stream from it."""
        return self._parser.last_event_id

    @property
    def state(self) -> StreamState:
        """The current connection state."""
        return self._state

    def close(self) -> None:
        """Stop after the current wait; a read in progress ends when the worker is cancelled."""
        self._stop.set()

    def _report(self, state: StreamState, detail: str = "", retry_in: float | None = None) -> None:
        self._state = state
        if self._on_status is None:
            return
        try:
            self._on_status(StreamStatus(state, detail, retry_in, self._parser.last_event_id))
        except Exception:
            log.exception("event stream: the status callback failed")

    async def _wait(self, delay: float) -> None:
        if self._sleep is not None:
            await self._sleep(delay)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=delay)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self.events()

    async def events(self) -> AsyncIterator[Event]:
        """Yield events until closed; reconnect as needed."""
        failures = 0
        try:
            while not self._stop.is_set():
                if failures == 0:
                    self._report(StreamState.CONNECTING)
                retry_after: float | None = None
                detail: str
                headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
                if self._parser.last_event_id:
                    headers["Last-Event-ID"] = self._parser.last_event_id
                try:
                    async with self._client.open_stream(
                        self._path, headers=headers, read_timeout=self._read_timeout
                    ) as response:
                        status = response.status_code
                        if status == 200:
                            self.connects += 1
                            failures = 0
                            self._report(StreamState.CONNECTED)
                            async for chunk in response.aiter_text():
                                comments = self._parser.comments
                                messages = self._parser.feed(chunk)
                                if messages or self._parser.comments != comments:
                                    # Events and keep-alives prove the backend is there (link health).
                                    self._client.report_exchange(ExchangeOutcome.OK)
                                for done, message in enumerate(messages, 1):
                                    event = event_from_message(message)
                                    if event is not None:
                                        yield event
                                    if done % HAND_OVER_EVERY == 0 and done < len(messages):
                                        # A backlog comes in chunks of hundreds of events: hand the
                                        # loop over between slices so a key typed meanwhile, and
                                        # each step of its repaint, waits for a slice, not the chunk.
                                        await asyncio.sleep(0)
                                if self._stop.is_set():
                                    return
                            detail = "the backend ended the stream"
                        elif status == 204:
                            # The standard's way for a server to say "do not reconnect".
                            return
                        else:
                            await response.aread()
                            if status == 401:
                                error = AuthenticationRequired(status, problem_from_response(response))
                                self._report(StreamState.NEEDS_LOGIN, str(error))
                                raise error
                            if 400 <= status < 500 and status not in (408, 425, 429):
                                raise BackendRejected(status, problem_from_response(response))
                            retry_after = parse_retry_after(response.headers.get("Retry-After"))
                            detail = f"the backend answered {status}"
                except (httpx.TransportError, httpx.StreamError) as exc:
                    detail = f"{type(exc).__name__}: {clean_text(str(exc)) or 'connection lost'}"
                self._parser.reset_message()
                if retry_after is not None:
                    delay = min(retry_after, 60.0)
                else:
                    base = self._backoff.base
                    if self._parser.retry_ms is not None:
                        base = self._parser.retry_ms / 1000
                    delay = Backoff(base=base, cap=max(base, self._backoff.cap),
                                    jitter=self._backoff.jitter).delay(failures)
                failures += 1
                self._report(StreamState.RECONNECTING, detail, delay)
                await self._wait(delay)
        finally:
            if self._state != StreamState.NEEDS_LOGIN:
                self._report(StreamState.CLOSED)
