"""What the desk needs from the rest of the product, as small Protocols.

The App receives its services in the constructor (no singletons). The real ones are wired in
`agent_tui.ui.desk.launch`; tests hand in in-process doubles. Each Protocol lists only what the UI calls,
so the real classes (`PhoneEngine`, `BackendClient`, `Outbox`...) fit them directly or through a thin
adapter in `launch`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import SecretStr

from agent_tui.desk.outbound_items import OutboundSource
from agent_tui.desk.survey import SurveyTokens
from agent_tui.domain.agent import Agent, AgentStateChange
from agent_tui.domain.call import CallRecord
from agent_tui.domain.customer import Customer, CustomerCreate, LookupResult
from agent_tui.domain.desk_supervision import AgentDayFigures
from agent_tui.domain.escalation import OrderTimeline
from agent_tui.domain.notice import KbArticle
from agent_tui.domain.return_visits import ReturnVisitItem
from agent_tui.domain.screen import ScreenDefinition
from agent_tui.domain.session import SessionInfo
from agent_tui.domain.ticket import ReturnVisit, Ticket, TicketCreate
from agent_tui.forms.drafts import DraftStore
from agent_tui.phone.desk_phone import PhoneListener
from agent_tui.sync.callbacks import PendingCallback
from agent_tui.sync.desk_link import LinkListener
from agent_tui.sync.directory import DeskDirectory
from agent_tui.ui.desk.outbound_voicemail import VoicemailSource
from agent_tui.ui.desk.supervisor_commands import SupervisorLink
from agent_tui.ui.train.services import DeskTrainingServices


class PhoneControl(Protocol):
    """Softphone commands. Each returns quickly; results arrive later as events."""

    def set_listener(self, listener: PhoneListener | None) -> None:
        """Where events go (called on the engine thread)."""

    def start(self) -> None:
        """Start the engine (may block for a moment: the desk calls it from a worker thread)."""

    def stop(self) -> None:
        """Stop the engine and hang up every call."""

    def make_call(self, number: str, headers: Mapping[str, str] | None = None) -> str:
        """Dial `number`; returns the new call's id."""

    def answer(self, call_id: str) -> None:
        """Answer a ringing call."""

    def reject(self, call_id: str) -> None:
        """Refuse a ringing call (busy)."""

    def hangup(self, call_id: str) -> None:
        """End a call."""

    def hold(self, call_id: str) -> None:
        """Put a call on hold (a real re-INVITE hold, not mute)."""

    def resume(self, call_id: str) -> None:
        """Take a call off hold."""

    def mute(self, call_id: str, muted: bool) -> None:
        """Stop or restart sending the agent's voice."""

    def send_dtmf(self, call_id: str, digits: str) -> None:
        """Send DTMF digits on a call."""

    def blind_transfer(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> None:
        """Transfer a call without talking to the target first; `headers` carry the case."""

    def consult(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> str:
        """Hold `call_id` and call `target` for an attended transfer; returns the consult call's id."""

    def complete_transfer(self, call_id: str, consult_call_id: str) -> None:
        """Join the held call to the consulted party and drop out."""

    def conference(self, call_ids: Sequence[str]) -> None:
        """Mix the calls into a three-way conference."""


class DeskBackend(Protocol):
    """Reads (and the few direct writes) the desk makes against the backend; a subset of `BackendClient`."""

    async def login(self, username: str, password: SecretStr) -> SessionInfo:
        """Log in and keep the token for later calls."""

    async def lookup(self, phone: str | None = None, account: str | None = None) -> LookupResult:
        """Customers by phone or by account number, with what the first page shows."""

    async def get_customer(self, customer_id: int) -> Customer:
        """One customer by id (used when the IVR sent X-Customer-Id)."""

    async def create_customer(
        self, customer: CustomerCreate, *, idempotency_key: str | None = None
    ) -> Customer:
        """Create a customer (inline creation after a pop with no match)."""

    async def list_reasons(self) -> list[str]:
        """The Not Ready reason codes."""

    async def get_agent_figures(self, username: str) -> AgentDayFigures:
        """This agent's figures for today so far (the desk's own figures start from them)."""

    async def list_agents(self) -> list[Agent]:
        """The transfer directory: agents with their extensions and states."""

    async def kb_search(self, q: str, *, limit: int = 20) -> list[KbArticle]:
        """Knowledge-base articles matching `q`."""


class CallbackSource(Protocol):
    """Where the callback list comes from, and where a desk claims one before calling back."""

    async def list_callbacks(self) -> list[PendingCallback]:
        """Callers waiting for a callback, oldest first."""

    async def claim_callback(self, callback_id: str) -> None:
        """Take the callback for this agent (again is harmless); `CallbackTaken` when another has it."""


class OrderDesk(Protocol):
    """The after-call routes the desk reads and writes directly (`sync.desk_orders.BackendOrders`)."""

    async def find_orders(self, *, number: str | None = None, phone: str | None = None,
                          account: str | None = None) -> list[Ticket]:
        """Orders by number, phone or account, newest first."""

    async def timeline(self, number: str) -> OrderTimeline:
        """One order's A–H times, SLA marks and alerts."""

    async def return_visits(self) -> list[ReturnVisitItem]:
        """Return visits due now, the one due first on top."""

    async def claim_visit(self, visit_id: int) -> ReturnVisitItem:
        """Take a visit to call (BackendRejected 409: another agent has it)."""

    async def visit_unreachable(self, visit_id: int, note: str) -> ReturnVisitItem:
        """The customer was not reached: tried again later."""

    async def visit_result(self, visit_id: int, result: ReturnVisit) -> ReturnVisitItem:
        """The customer's opinion: closes the order, or reopens it."""


class DeskWrites(Protocol):
    """Writes that must survive a dead backend or a crash: they go through the outbox.

    Each returns at once with a local reference (the write's idempotency key); the backend sees it
    when the link is up.
    """

    def submit_ticket(self, ticket: TicketCreate) -> str:
        """Queue a new work order."""

    def record_call(self, record: CallRecord) -> str:
        """Queue a call record (sent at hang-up and again after wrap-up)."""

    def set_state(self, username: str, change: AgentStateChange) -> str:
        """Queue an agent state change."""

    def upload_recording(self, call_id: str, path: Path, *, training: bool = False) -> str:
        """Queue the upload of a call's finished WAV recording (the file is read when sent, and kept)."""

    def close_callback(self, callback_id: str, *, reached: bool = True, note: str = "") -> str:
        """Queue closing a callback this agent holds (done: called back, or no longer needed)."""

    def set_status_listener(self, listener: LinkListener | None) -> None:
        """Where link status changes go (may be called from any thread)."""


class LiveEvents(Protocol):
    """The SSE stream of live events for this agent (forced state changes, coaching notes...)."""

    def set_listener(self, listener: Callable[[Any], None] | None) -> None:
        """Where `agent_tui.domain.events.Event`s go (may be called from any thread)."""


class ScreenSource(Protocol):
    """Where work-order screens come from: the backend first, local `screens/` as the fallback."""

    async def load(self) -> tuple[list[ScreenDefinition], list[str]]:
        """Every usable screen, and the problems found (file and line) in the broken ones."""


class SecretKeeper(Protocol):
    """The credential store, as the login screen uses it."""

    def needs_passphrase(self) -> bool:
        """Whether the encrypted credential file must be unlocked first."""

    def passphrase_is_new(self) -> bool:
        """Whether unlocking creates the encrypted file (so the passphrase is asked twice)."""

    def unlock(self, passphrase: SecretStr) -> bool:
        """Unlock the encrypted file; false on a wrong passphrase."""

    def get(self, name: str) -> SecretStr | None:
        """A stored secret, if any."""

    def set(self, name: str, value: SecretStr) -> None:
        """Remember a secret."""


@dataclass
class DeskServices:
    """Everything the desk App is given; `None` means the feature is not available in this run."""

    backend: DeskBackend
    writes: DeskWrites
    phone: PhoneControl | None = None
    screens: ScreenSource | None = None
    callbacks: CallbackSource | None = None
    outbound: OutboundSource | None = None
    voicemails: VoicemailSource | None = None
    """Callers' voicemails, heard from the callbacks list before calling back (None: not in this session)."""
    """Outbound work offered when the agent is Ready (callbacks, then campaign contacts); None: none."""
    events: LiveEvents | None = None
    secrets: SecretKeeper | None = None
    drafts: DraftStore | None = None
    """Where unfinished work orders are saved on every change (None: not saved)."""
    training: DeskTrainingServices | None = None
    """Training calls: endpoints, self-practice caller, SIP address (None: training calls still work,
    scored locally, nothing reported)."""
    supervision: SupervisorLink | None = None
    """Command acks and the monitoring policy (None: commands are carried out but not acknowledged)."""
    directory: DeskDirectory | None = None
    """Where colleagues' desks answer when there is no registrar (None: the registrar routes extensions)."""
    orders: OrderDesk | None = None
    """Order search and timelines (status query), return visits (None: not available in this run)."""
    survey_tokens: SurveyTokens | None = None
    """Survey tokens for the desk's own calls, sent with the transfer to the keypad survey (None: the
    survey key tells the agent the caller cannot be sent)."""
    on_logged_in: list[Callable[[SessionInfo], None]] = field(default_factory=list)
    """Called on the UI thread after a successful login (launch starts the outbox and the SSE stream)."""
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """Awaited on the App's loop when the App exits (close streams and the HTTP client)."""
