"""What the monitor needs from the rest of the product, as small Protocols (tests hand in doubles)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import SecretStr

from agent_tui.domain.base import Page
from agent_tui.domain.recordings import QaScore, QaScoreInput, Recording
from agent_tui.domain.session import SessionInfo
from agent_tui.domain.supervision import (
    CommandState,
    InterventionRequest,
    InterventionResult,
    Report,
    ReportBy,
    ReportPeriod,
)
from agent_tui.phone.desk_phone import PhoneListener
from agent_tui.sync.supervision import RecordingQuery, WallboardSink
from agent_tui.ui.monitor.campaigns_model import CampaignAdmin
from agent_tui.ui.monitor.orders_model import OrdersApi


class Authenticator(Protocol):
    """Logs the supervisor in (`BackendClient.login`)."""

    async def login(self, username: str, password: SecretStr) -> SessionInfo:
        """Log in and keep the token."""


class SupervisorApi(Protocol):
    """The supervision endpoints the monitor calls (a subset of `SupervisorClient`)."""

    async def intervene(self, request: InterventionRequest) -> InterventionResult:
        """An audited intervention; listen/whisper/barge answer with a monitor token."""

    async def command_state(self, command_id: int) -> CommandState:
        """What became of a desk command: sent, applied, refused or not delivered."""

    async def list_reasons(self) -> list[str]:
        """Not Ready reason codes."""

    async def recordings(self, query: RecordingQuery, *, limit: int = 200,
                         offset: int = 0) -> Page[Recording]:
        """Recording search."""

    async def download_recording(self, call_id: str, target: Path) -> Path:
        """A recording's WAV into `target`."""

    async def qa_score(self, call_id: str) -> QaScore | None:
        """The stored QA score of a call."""

    async def put_qa(self, call_id: str, score: QaScoreInput) -> QaScore:
        """Store a QA score."""

    async def report(self, period: ReportPeriod, by: ReportBy, start: datetime, end: datetime) -> Report:
        """A report as rows."""

    async def report_csv(self, period: ReportPeriod, by: ReportBy, start: datetime, end: datetime) -> str:
        """The same report as CSV text."""


class Feed(Protocol):
    """A running wallboard feed (`agent_tui.sync.supervision.WallboardFeed`)."""

    async def run(self) -> None:
        """Deliver to the sink until closed."""

    def close(self) -> None:
        """Stop."""


FeedFactory = Callable[[WallboardSink], Feed]
"""Makes the feed for a sink, once logged in."""


class MonitorPhone(Protocol):
    """The supervisor's own softphone, as far as monitoring and playback need it."""

    def set_listener(self, listener: PhoneListener | None) -> None:
        """Where phone events go (engine thread)."""

    def start(self) -> None:
        """Start the engine (blocking for a moment: called from a worker thread)."""

    def stop(self) -> None:
        """Stop it."""

    def make_call(self, number: str, headers: Mapping[str, str] | None = None) -> str:
        """Dial with extra headers; the call id."""

    def hangup(self, call_id: str) -> None:
        """End a call."""

    def change_monitor_mode(self, call_id: str, mode: str, token: str) -> None:
        """Switch a monitoring call we placed to `mode` within the call, with a fresh token."""


class RecordingPlayer(Protocol):
    """Plays a WAV where the supervisor hears it (the phone's audio)."""

    def play(self, path: Path) -> None:
        """Start playing `path`."""


@dataclass
class MonitorServices:
    """Everything the monitor App is given; `None` means not available in this run."""

    auth: Authenticator
    api: SupervisorApi
    feed: FeedFactory
    phone: MonitorPhone | None = None
    player: RecordingPlayer | None = None
    orders: OrdersApi | None = None
    """The orders panel's backend calls (`agent_tui.sync.orders.OrdersClient`)."""
    on_logged_in: list[Callable[[SessionInfo], None]] = field(default_factory=list)
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    campaigns: CampaignAdmin | None = None
    """The campaign endpoints (the campaigns panel says it is unavailable without them)."""
