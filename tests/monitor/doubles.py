"""In-process doubles for the monitor: a feed the test drives, an API and a phone that record calls."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import Page, Problem, utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.recordings import QA_ITEMS, QaScore, QaScoreInput, Recording
from agent_tui.domain.session import Role, SessionInfo
from agent_tui.domain.supervision import (
    AgentRow,
    Alert,
    CommandState,
    CommandStatus,
    InterventionKind,
    InterventionRequest,
    InterventionResult,
    MonitorToken,
    QueueFigures,
    QueuePanel,
    Report,
    ReportBy,
    ReportPeriod,
    ReportRow,
    WallboardSnapshot,
)
from agent_tui.sync.errors import BackendRejected
from agent_tui.sync.supervision import RecordingQuery, WallboardSink
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.monitor.app import MonitorApp
from agent_tui.ui.monitor.options import MonitorOptions
from agent_tui.ui.monitor.services import MonitorServices


def agent_row(i: int, state: AgentStateName = AgentStateName.READY, *, team: str | None = None,
              since: datetime | None = None, **extra: Any) -> AgentRow:
    """Agent `agent{i:04d}`, team A for odd numbers and B for even ones."""
    return AgentRow(username=f"agent{i:04d}", display_name=f"Agent {i}", team=team or ("A" if i % 2 else "B"),
                    extension=str(1000 + i), state=state, since=since or utc_now(), time_in_state_s=0.0,
                    phone_online=True, **extra)


def queue_panel(name: str, *, sl: float | None = 0.9, waiting: int = 0, asa: float | None = 10.0,
                abandon: float | None = 0.01, aht: float | None = 200.0) -> QueuePanel:
    """A queue with these figures today (and a quiet half hour)."""
    today = QueueFigures(queue=name, offered=100, answered=90, service_level=sl, asa_s=asa,
                         abandon_rate=abandon,
                         aht_s=aht, waiting=waiting)
    return QueuePanel(queue=name, waiting=waiting, half_hour=QueueFigures(queue=name), today=today)


def snapshot(agents: int = 20, queues: list[QueuePanel] | None = None, alerts: list[Alert] | None = None,
             last_event_id: int = 100) -> WallboardSnapshot:
    """A wallboard of `agents` Ready agents and the given queues."""
    now = utc_now()
    return WallboardSnapshot(at=now, half_hour_start=now, day_start=now, last_event_id=last_event_id,
                             queues=queues if queues is not None else [queue_panel("repair")],
                             agents=[agent_row(i) for i in range(1, agents + 1)], alerts=alerts or [])


def rows_event(event_id: int, rows: list[AgentRow]) -> Event:
    """An `agent_rows` event."""
    return Event(id=event_id, kind=EventKind.AGENT_ROWS, at=utc_now(),
                 data={"rows": [r.model_dump(mode="json") for r in rows]})


class DrivenFeed:
    """A feed whose deliveries the test makes through `sink`; `run()` waits until closed."""

    def __init__(self, sink: WallboardSink) -> None:
        self.sink = sink
        self.closed = asyncio.Event()

    async def run(self) -> None:
        """Wait until closed."""
        await self.closed.wait()

    def close(self) -> None:
        """Stop."""
        self.closed.set()


class FakeAuth:
    """Logs anybody in with the given role."""

    def __init__(self, role: Role = Role.SUPERVISOR) -> None:
        self.role = role
        self.logins: list[str] = []

    async def login(self, username: str, password: SecretStr) -> SessionInfo:
        """A session."""
        self.logins.append(username)
        return SessionInfo(token=SecretStr("t"), role=self.role, username=username,
                           expires_at=datetime(2099, 1, 1, tzinfo=UTC))


class FakeApi:
    """Records every call; `refuse` makes interventions fail as the backend would (409 + detail)."""

    def __init__(self) -> None:
        self.requests: list[InterventionRequest] = []
        self.refuse: str | None = None
        self.qa: dict[str, QaScore] = {}
        self.report_calls: list[tuple[ReportPeriod, ReportBy, datetime, datetime]] = []
        self.items: list[Recording] = []
        self.queries: list[RecordingQuery] = []
        self.downloads: list[tuple[str, Path]] = []
        self.outcomes: dict[int, tuple[CommandStatus, str, str]] = {}
        """Command id → (status, reason, detail) the backend answers for it."""

    async def intervene(self, request: InterventionRequest) -> InterventionResult:
        """Audited intervention."""
        if self.refuse is not None:
            raise BackendRejected(409, Problem(title="Conflict", status=409, detail=self.refuse))
        self.requests.append(request)
        token = None
        if request.kind in (InterventionKind.LISTEN, InterventionKind.WHISPER, InterventionKind.BARGE):
            token = MonitorToken(token=f"tok-{request.kind.value}-{len(self.requests)}", mode=request.kind,
                                 agent=request.agent, sip_target=f"ext-{request.agent}",
                                 expires_at=utc_now() + timedelta(minutes=1))
        command_id = None if token is not None else len(self.requests)
        return InterventionResult(audit_id=len(self.requests), kind=request.kind, agent=request.agent,
                                  monitor=token, command_id=command_id)

    async def command_state(self, command_id: int) -> CommandState:
        """The outcome the test set in `outcomes` for the command, else still sent."""
        request = self.requests[command_id - 1]
        status, reason, detail = self.outcomes.get(command_id, (CommandStatus.SENT, "", ""))
        return CommandState(command_id=command_id, agent=request.agent, command=request.kind.value,
                            status=status, reason=reason, detail=detail)

    async def list_reasons(self) -> list[str]:
        """Reason codes."""
        return ["break", "meal", "phone_offline"]

    async def recordings(self, query: RecordingQuery, *, limit: int = 200,
                         offset: int = 0) -> Page[Recording]:
        """The preset items."""
        self.queries.append(query)
        return Page[Recording](items=self.items, total=len(self.items), limit=limit, offset=offset)

    async def download_recording(self, call_id: str, target: Path) -> Path:
        """Writes a tiny file."""
        await asyncio.to_thread(target.write_bytes, b"RIFF")
        self.downloads.append((call_id, target))
        return target

    async def qa_score(self, call_id: str) -> QaScore | None:
        """Stored score."""
        return self.qa.get(call_id)

    async def put_qa(self, call_id: str, score: QaScoreInput) -> QaScore:
        """Store."""
        stored = QaScore(call_id=call_id, agent="agent0001", scorer="sup01", scored_at=utc_now(),
                         total_points=score.total(), **score.model_dump())
        self.qa[call_id] = stored
        return stored

    async def report(self, period: ReportPeriod, by: ReportBy, start: datetime, end: datetime) -> Report:
        """Two rows."""
        self.report_calls.append((period, by, start, end))
        rows = [ReportRow(period_start=start, key="repair", offered=10, answered=9, service_level=0.9),
                ReportRow(period_start=start, key="billing", offered=4, answered=4, service_level=1.0)]
        return Report(period=period, by=by, start=start, end=end, rows=rows)

    async def report_csv(self, period: ReportPeriod, by: ReportBy, start: datetime, end: datetime) -> str:
        """CSV text."""
        self.report_calls.append((period, by, start, end))
        return f"period_start,key,offered\n{start.isoformat()},repair,10\n"


class FakePhone:
    """Records calls placed and hung up."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.hungup: list[str] = []
        self.mode_changes: list[tuple[str, str, str]] = []
        """(call id, mode, token) of every mode change sent within a call."""
        self.started = False

    def set_listener(self, listener: Any) -> None:
        """Ignored."""

    def start(self) -> None:
        """Started."""
        self.started = True

    def stop(self) -> None:
        """Stopped."""

    def make_call(self, number: str, headers: Mapping[str, str] | None = None) -> str:
        """A call id."""
        self.calls.append((number, dict(headers or {})))
        return f"call-{len(self.calls)}"

    def hangup(self, call_id: str) -> None:
        """Hung up."""
        self.hungup.append(call_id)

    def change_monitor_mode(self, call_id: str, mode: str, token: str) -> None:
        """Recorded."""
        self.mode_changes.append((call_id, mode, token))


def make_monitor(*, api: FakeApi | None = None, phone: FakePhone | None = None, role: Role = Role.SUPERVISOR,
                 options: MonitorOptions | None = None, language: str = "en",
                 theme: str = "dark") -> tuple[MonitorApp, FakeApi, FakePhone, list[DrivenFeed]]:
    """A monitor App on doubles, logged in as sup01; the feeds it made are appended to the list."""
    api = api or FakeApi()
    phone = phone or FakePhone()
    feeds: list[DrivenFeed] = []

    def feed(sink: WallboardSink) -> DrivenFeed:
        made = DrivenFeed(sink)
        feeds.append(made)
        return made

    services = MonitorServices(auth=FakeAuth(role), api=api, feed=feed, phone=phone)
    app = MonitorApp(services, DeskOptions(username="sup01", language=language, theme=theme),
                     options or MonitorOptions(sip_directory={"agent0003": "sip:agent0003@127.0.0.1:5999"}),
                     password=SecretStr("demo"))
    return app, api, phone, feeds


__all__ = ["QA_ITEMS", "DrivenFeed", "FakeApi", "FakeAuth", "FakePhone", "agent_row", "make_monitor",
           "queue_panel", "rows_event", "snapshot"]
