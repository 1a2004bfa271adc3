"""The supervisor's side of the backend: typed calls and the live wallboard feed.

- `SupervisorClient` wraps a `BackendClient` with the supervision endpoints (wallboard snapshot,
  interventions, command outcomes, monitor tokens, audit, recordings, QA, reports, queue events,
  phone config).
- `await_outcome` follows a desk command until the backend knows what became of it: applied,
  refused (with why) or not delivered. It polls `GET /v1/commands/{id}`: commands are rare and the
  supervisor waits for exactly one answer, polling survives a reconnect of the event stream, and the
  backend works out "not delivered" itself, so every monitor shows the same outcome.
- `WallboardFeed` keeps a wallboard fed: snapshot first, then the SSE stream from the snapshot's
  event id. When the link is lost it says since when (`stale_since`), keeps trying, and on its own
  takes a fresh snapshot when the backend answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from pydantic import TypeAdapter, ValidationError

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.events import Event
from agent_tui.domain.recordings import QaScore, QaScoreInput, Recording
from agent_tui.domain.supervision import (
    AuditEntry,
    CommandState,
    CommandStatus,
    InterventionKind,
    InterventionRequest,
    InterventionResult,
    MonitorToken,
    PhoneConfig,
    QueueEventBatch,
    QueueEventResult,
    Report,
    ReportBy,
    ReportPeriod,
    WallboardSnapshot,
    ack_deadline_s,
)
from agent_tui.domain.training import ModelCall, ModelCallInput
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import AuthenticationRequired, BackendProtocolError, BackendRejected, SyncError
from agent_tui.sync.events import EventStream, StreamState, StreamStatus
from agent_tui.sync.recording_download import download_recording
from agent_tui.sync.responses import raise_for_status
from agent_tui.sync.retry import Backoff

log = logging.getLogger(__name__)

T = TypeVar("T")


def _check(adapter: TypeAdapter[T], data: Any, what: str) -> T:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise BackendProtocolError(f"{what}: the backend's answer does not fit the contract "
                                   f"({exc.error_count()} errors)") from exc


def _iso(value: datetime) -> str:
    return value.isoformat()


@dataclass(frozen=True)
class RecordingQuery:
    """Filters of a recording search; `None` means "any"."""

    start: datetime | None = None
    end: datetime | None = None
    agent: str | None = None
    queue: str | None = None
    customer: str | None = None
    """A customer id or a phone number."""
    call_id: str | None = None
    min_duration_s: float | None = None
    max_duration_s: float | None = None

    def params(self) -> dict[str, str | int]:
        """The query parameters of `GET /v1/recordings`."""
        out: dict[str, str | int] = {}
        if self.start is not None:
            out["from"] = _iso(self.start)
        if self.end is not None:
            out["to"] = _iso(self.end)
        for name, value in (("agent", self.agent), ("queue", self.queue), ("customer", self.customer),
                            ("call_id", self.call_id)):
            if value:
                out[name] = value
        if self.min_duration_s is not None:
            out["min_duration"] = str(self.min_duration_s)
        if self.max_duration_s is not None:
            out["max_duration"] = str(self.max_duration_s)
        return out


class SupervisorClient:
    """Typed calls of the supervision endpoints over an existing (logged-in) `BackendClient`."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"SupervisorClient({self.client!r})"

    async def wallboard(self) -> WallboardSnapshot:
        """`GET /v1/wallboard`: everything to paint, and the event id to stream from."""
        data = await self.client.get_json("/v1/wallboard")
        return _check(TypeAdapter(WallboardSnapshot), data, "wallboard")

    async def intervene(self, request: InterventionRequest) -> InterventionResult:
        """`POST /v1/interventions` (audited by the backend); a 409 says why it is not possible."""
        data = await self.client.write_json("POST", "/v1/interventions", request.model_dump(mode="json"))
        return _check(TypeAdapter(InterventionResult), data, "intervention")

    async def command_state(self, command_id: int) -> CommandState:
        """`GET /v1/commands/{id}`: sent, applied, refused (with why) or not delivered."""
        data = await self.client.get_json(f"/v1/commands/{int(command_id)}")
        return _check(TypeAdapter(CommandState), data, "command")

    async def monitor_token(self, agent: str, mode: InterventionKind) -> MonitorToken:
        """`POST /v1/monitor-tokens`: a short-lived token to listen, whisper or barge on `agent`."""
        data = await self.client.write_json("POST", "/v1/monitor-tokens",
                                            {"agent": agent, "mode": InterventionKind(mode).value})
        return _check(TypeAdapter(MonitorToken), data, "monitor token")

    async def phone_config(self) -> PhoneConfig:
        """`GET /v1/phone-config`: this user's monitor verification key and the policy."""
        data = await self.client.get_json("/v1/phone-config")
        return _check(TypeAdapter(PhoneConfig), data, "phone config")

    async def post_queue_events(self, batch: QueueEventBatch) -> QueueEventResult:
        """`POST /v1/queue-events` (repeats are harmless: every event has an id)."""
        data = await self.client.write_json("POST", "/v1/queue-events", batch.model_dump(mode="json"))
        return _check(TypeAdapter(QueueEventResult), data, "queue events")

    async def audit(self, *, agent: str | None = None, action: str | None = None,
                    limit: int = 100) -> Page[AuditEntry]:
        """`GET /v1/audit`: the newest audited actions."""
        params: dict[str, str | int] = {"limit": limit}
        if agent:
            params["agent"] = agent
        if action:
            params["action"] = action
        return _check(TypeAdapter(Page[AuditEntry]), await self.client.get_json("/v1/audit", params), "audit")

    async def recordings(self, query: RecordingQuery, *, limit: int = 200,
                         offset: int = 0) -> Page[Recording]:
        """`GET /v1/recordings`: recordings matching every filter, newest first."""
        params = {**query.params(), "limit": limit, "offset": offset}
        data = await self.client.get_json("/v1/recordings", params)
        return _check(TypeAdapter(Page[Recording]), data, "recordings")

    async def download_recording(self, call_id: str, target: Path) -> Path:
        """`GET /v1/recordings/{call_id}/audio` into `target` (written whole, then renamed into place)."""
        return await download_recording(self.client, call_id, target)

    async def mark_model_call(self, call_id: str, title: str, note: str) -> ModelCall:
        """`PUT /v1/recordings/{call_id}/model`: mark the recording as a model call for trainees."""
        body = ModelCallInput(title=title, note=note).model_dump(mode="json")
        data = await self.client.write_json("PUT", f"/v1/recordings/{quote(call_id, safe='')}/model", body)
        return _check(TypeAdapter(ModelCall), data, "model call")

    async def unmark_model_call(self, call_id: str) -> None:
        """`DELETE /v1/recordings/{call_id}/model`."""
        await self.client.write_json("DELETE", f"/v1/recordings/{quote(call_id, safe='')}/model")

    async def qa_score(self, call_id: str) -> QaScore | None:
        """`GET /v1/qa?call_id=`: the stored score of a call, if any."""
        data = await self.client.get_json("/v1/qa", {"call_id": call_id, "limit": 1})
        page = _check(TypeAdapter(Page[QaScore]), data, "qa")
        return page.items[0] if page.items else None

    async def put_qa(self, call_id: str, score: QaScoreInput) -> QaScore:
        """`PUT /v1/qa/{call_id}`: store (or replace) the call's score."""
        data = await self.client.write_json("PUT", f"/v1/qa/{quote(call_id, safe='')}",
                                            score.model_dump(mode="json"))
        return _check(TypeAdapter(QaScore), data, "qa score")

    async def report(self, period: ReportPeriod, by: ReportBy, start: datetime, end: datetime) -> Report:
        """`GET /v1/reports` as JSON."""
        data = await self.client.get_json("/v1/reports", self._report_params(period, by, start, end))
        return _check(TypeAdapter(Report), data, "report")

    async def report_csv(self, period: ReportPeriod, by: ReportBy, start: datetime, end: datetime) -> str:
        """`GET /v1/reports?format=csv`: the report as the backend's CSV text."""
        params = {**self._report_params(period, by, start, end), "format": "csv"}
        response = await self.client.send("GET", "/v1/reports", params=params, headers={"Accept": "text/csv"})
        raise_for_status(response)
        return response.text

    @staticmethod
    def _report_params(period: ReportPeriod, by: ReportBy, start: datetime,
                       end: datetime) -> dict[str, str | int]:
        return {"period": ReportPeriod(period).value, "by": ReportBy(by).value, "from": _iso(start),
                "to": _iso(end)}

    async def list_reasons(self) -> list[str]:
        """The Not Ready reason codes."""
        return await self.client.list_reasons()


# ---- what became of a command ------------------------------------------------------------------


class CommandSource(Protocol):
    """What `await_outcome` needs of the backend."""

    async def command_state(self, command_id: int) -> CommandState:
        """The command as the backend knows it now."""


OUTCOME_POLL_S = 0.5
"""How often the monitor asks for a command's outcome while it waits."""

OUTCOME_GRACE_S = 10.0
"""How long past the command's ack deadline the monitor keeps asking (a slow or restarting backend)."""


class OutcomeUnknown(SyncError):
    """The backend gave no final answer about a command in time (it was unreachable)."""


async def await_outcome(source: CommandSource, command_id: int, kind: str, *,
                        poll_s: float = OUTCOME_POLL_S,
                        sleep: Callable[[float], Awaitable[None]] | None = None,
                        clock: Callable[[], float] | None = None) -> CommandState:
    """Ask until the command is applied, refused or not delivered; `OutcomeUnknown` past the limit.

    `kind` is the intervention kind (`force_not_ready`...), which sets the ack deadline.
    """
    pause = sleep or asyncio.sleep
    now = clock or asyncio.get_running_loop().time
    limit = now() + ack_deadline_s(kind) + OUTCOME_GRACE_S
    problem = ""
    while True:
        try:
            state = await source.command_state(command_id)
        except AuthenticationRequired:
            raise
        except (SyncError, OSError) as error:
            problem = str(error)
        else:
            if state.status != CommandStatus.SENT:
                return state
        if now() >= limit:
            raise OutcomeUnknown(f"no outcome for command {command_id}" + (f": {problem}" if problem else ""))
        await pause(poll_s)


# ---- the live feed ----------------------------------------------------------------------------


class WallboardSink(Protocol):
    """Where the feed delivers; called on the feed's event loop (the UI's, in the monitor)."""

    def snapshot(self, snapshot: WallboardSnapshot) -> None:
        """A whole wallboard (first, and after every reconnect)."""

    def event(self, event: Event) -> None:
        """One live event (queue_stats, agent_rows, agent_state, alert...)."""

    def link(self, stale_since: datetime | None, detail: str) -> None:
        """The link changed: `None` when fresh, else the time the data stopped being live."""


class SnapshotSource(Protocol):
    """What the feed needs of the backend."""

    async def wallboard(self) -> WallboardSnapshot:
        """The snapshot."""


StreamFactory = Callable[[str | None, Callable[[StreamStatus], None]], Any]
"""(last event id, status callback) → an async iterable of `Event` with `close()` (an `EventStream`)."""


class WallboardFeed:
    """Snapshot, then live events; stale while the backend is gone; a fresh snapshot when it is back.

    Run `await feed.run()` in a task (cancel it, or call `close()`, to stop).
    """

    def __init__(self, source: SnapshotSource, streams: StreamFactory, sink: WallboardSink, *,
                 retry: Backoff | None = None, sleep: Callable[[float], Awaitable[None]] | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.source = source
        self.streams = streams
        self.sink = sink
        self.retry = retry or Backoff(base=0.5, cap=5.0)
        self._sleep = sleep or asyncio.sleep
        self._clock = clock
        self._stream: Any = None
        self._lost = False
        self._closed = False
        self.stale_since: datetime | None = None
        """When the data stopped being live (None: live)."""
        self.snapshots = 0
        """Snapshots taken so far (1 + one per recovery)."""

    @classmethod
    def over(cls, client: BackendClient, sink: WallboardSink, **kwargs: Any) -> WallboardFeed:
        """A feed over a real client: the snapshot from `/v1/wallboard`, events from `/v1/events`."""

        def streams(last: str | None, on_status: Callable[[StreamStatus], None]) -> EventStream:
            # The server sends a keep-alive every 15 s: 35 s of silence means the link is dead.
            return EventStream(client, last_event_id=last, on_status=on_status, read_timeout=35.0,
                               backoff=Backoff(base=0.5, cap=5.0))

        return cls(SupervisorClient(client), streams, sink, **kwargs)

    def close(self) -> None:
        """Stop after the current step."""
        self._closed = True
        if self._stream is not None:
            self._stream.close()

    def _stale(self, detail: str) -> None:
        if self.stale_since is None:
            self.stale_since = self._clock()
        self.sink.link(self.stale_since, detail)

    def _status(self, status: StreamStatus) -> None:
        if status.state == StreamState.RECONNECTING:
            self._lost = True
            self._stale(status.detail)
        elif status.state == StreamState.CONNECTED and self._lost and self._stream is not None:
            # Back: end this stream and start over from a fresh snapshot (the backend may have restarted
            # and numbered its events anew; the snapshot also recomputes every clock-based figure).
            self._stream.close()

    async def run(self) -> None:
        """Feed the sink until closed; an expired login ends the feed with `AuthenticationRequired`."""
        failures = 0
        while not self._closed:
            try:
                snapshot = await self.source.wallboard()
            except AuthenticationRequired:
                raise
            except (SyncError, OSError) as error:
                if isinstance(error, BackendRejected) and error.status == 403:
                    raise
                self._stale(str(error))
                await self._sleep(self.retry.delay(failures))
                failures += 1
                continue
            failures = 0
            self.snapshots += 1
            self._lost = False
            self.stale_since = None
            self.sink.snapshot(snapshot)
            self.sink.link(None, "")
            stream = self.streams(str(snapshot.last_event_id), self._status)
            self._stream = stream
            try:
                async for event in stream:
                    self.sink.event(event)
            except AuthenticationRequired:
                raise
            except SyncError as error:
                self._stale(str(error))
            finally:
                self._stream = None
            if not self._lost and not self._closed:
                # The stream ended without a reconnect (closed by the server for good): start over.
                self._stale("the event stream ended")
                await self._sleep(self.retry.delay(0))


async def run_feed(feed: WallboardFeed, on_error: Callable[[BaseException], None]) -> None:
    """Run `feed`, handing a fatal error (login expired, not a supervisor) to `on_error`."""
    try:
        await feed.run()
    except asyncio.CancelledError:
        raise
    except Exception as error:
        on_error(error)
    finally:
        with contextlib.suppress(Exception):
            feed.close()

