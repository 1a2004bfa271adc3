"""The desk screen: status bar, ringing banner, call line, customer card, footer.

It is also the desk's controller: it keeps the calls of this session, the agent state and today's
figures, turns phone events into what the agent sees (screen pop), and sends call commands to the
phone and writes to the outbox. Widgets only draw what it gives them.

Keys (besides the App's call-control keys):

| key | id | action |
|---|---|---|
| f9 / o | desk.order | fill a work order |
| f10 / w | desk.wrapup | wrap up the last call |
| ctrl+n | desk.dial | dial a number |
| ctrl+l | desk.call_customer | call the customer on the card back |
| ctrl+k / k | desk.kb | knowledge base |
| ctrl+b | desk.callbacks | callers waiting for a callback |
| ctrl+g | desk.history | this session's calls |
| ctrl+u | desk.pick | pick or create the customer |
| ctrl+t | desk.practice | self-practice: a simulated caller rings this desk |
| ctrl+e | desk.model_calls | model calls to listen to (in training status) |
| a, x, h, m, r | key.* | one-key answer, hang up, hold, mute, ready (switchable off) |
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer

from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.call import PICKED_UP, Direction
from agent_tui.domain.customer import Customer, LookupMatch, LookupResult
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.session import SessionInfo
from agent_tui.domain.ticket import TicketCreate
from agent_tui.i18n import Translator
from agent_tui.phone.events import (
    AudioDevicesChanged,
    CallEnded,
    CallState,
    CallStats,
    EngineError,
    EngineStarted,
    EngineStopped,
    Health,
    IncomingCall,
    RecordingReady,
    Registration,
    Transferred,
)
from agent_tui.phone.quality_watch import QualityBook
from agent_tui.sync.callbacks import PendingCallback
from agent_tui.sync.desk_link import LinkStatus
from agent_tui.ui.common.bindings import localize_bindings
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.text import clean, duration, plain
from agent_tui.ui.desk.audio_devices import devices_changed_note, open_device_picker
from agent_tui.ui.desk.call_bar import CallLine, RingingBanner
from agent_tui.ui.desk.call_quality import quality_note
from agent_tui.ui.desk.callback_calls import CallbackCalls
from agent_tui.ui.desk.calls import AgentStatus, CallPhase, CallSession, DeskStats, LookupState, PendingTicket
from agent_tui.ui.desk.customer_card import CustomerCard
from agent_tui.ui.desk.services import DeskServices
from agent_tui.ui.desk.status_bar import StatusBar
from agent_tui.ui.desk.supervisor_commands import DeskSupervisor
from agent_tui.ui.desk.training import DeskTraining, is_training_call
from agent_tui.ui.desk.training_panel import TrainingPanel

log = logging.getLogger(__name__)
WAV_HEADER_BYTES = 44
"""A WAV file this size or smaller holds no audio."""

PHONE_OFFLINE = "phone_offline"
TLS_ERROR_PREFIX = "TLS error"
"""How the outbox's last error starts when the backend's certificate was refused (it stops sending)."""
POP_GRACE_S = 0.2
"""How long a ringing call's card waits for its lookup before it says "Looking up…": a card drawn
twice (pending, then filled) costs a second full repaint of the card on every pop."""
DETAILED_CALLS = 50
"""Finished calls that keep their full lookup (matches, last case, tickets, notices: ~12 KB each);
older ones keep only what the call history shows, so a long shift does not grow the desk's memory."""
HISTORY_CALLS = 500
"""Calls kept for this session's call history at all; today's figures are running totals (DeskStats)."""
LOOKUP_CACHE_SIZE = 50
"""Numbers whose last lookup answer is kept to paint a repeat caller's card at once."""
SYNCING_SHOWN_AFTER_S = 1.0
"""A write still queued after this long shows "Syncing N"; shorter ones (every state change) would make
the status bar flicker and cost two repaints per write."""

STATE_LABELS = {
    AgentStateName.READY: "Ready",
    AgentStateName.NOT_READY: "Not Ready",
    AgentStateName.ACW: "After-call work",
    AgentStateName.ON_CALL: "On call",
    AgentStateName.RINGING: "Ringing",
    AgentStateName.LOGGED_OUT: "Logged out",
}
STATE_CLASSES = {
    AgentStateName.READY: "-ready",
    AgentStateName.NOT_READY: "-not-ready",
    AgentStateName.ACW: "-acw",
    AgentStateName.ON_CALL: "-on-call",
    AgentStateName.RINGING: "-on-call",
    AgentStateName.LOGGED_OUT: "-not-ready",
}
REASON_LABELS = {
    "break": "Break", "meal": "Meal", "meeting": "Meeting", "training": "Training",
    "coaching": "Coaching", "phone_offline": "Phone offline", "other": "Other",
}
STATE_MARKS = {AgentStateName.READY: "●", AgentStateName.NOT_READY: "○", AgentStateName.ACW: "◐"}


class DeskScreen(Screen[None]):
    """What the agent sees all day."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9,o", "order", "Order", id="desk.order"),
        Binding("f10,w", "wrapup", "Wrap-up", id="desk.wrapup"),
        Binding("ctrl+n", "dial", "Dial", show=False, id="desk.dial"),
        Binding("ctrl+l", "call_customer", "Call customer", show=False, id="desk.call_customer"),
        Binding("ctrl+k,k", "kb", "Knowledge base", show=False, id="desk.kb"),
        Binding("ctrl+b", "callbacks", "Callbacks", show=False, id="desk.callbacks"),
        Binding("ctrl+g", "history", "Call history", show=False, id="desk.history"),
        Binding("ctrl+u", "pick", "Pick customer", show=False, id="desk.pick"),
        Binding("ctrl+t", "practice", "Practice", show=False, id="desk.practice"),
        Binding("ctrl+e", "model_calls", "Model calls", show=False, id="desk.model_calls"),
        Binding("ctrl+o", "audio_device", "Sound device", show=False, id="desk.audio_device"),
        Binding("a", "answer", "Answer", show=False, id="key.answer"),
        Binding("x", "hangup", "Hang up", show=False, id="key.hangup"),
        Binding("h", "hold", "Hold", show=False, id="key.hold"),
        Binding("m", "mute", "Mute", show=False, id="key.mute"),
        Binding("r", "ready", "Ready", show=False, id="key.ready"),
    ]

    DEFAULT_CSS = """
    DeskScreen { layout: vertical; }
    """

    def __init__(self, services: DeskServices, options: DeskOptions, translator: Translator) -> None:
        super().__init__(id="desk")
        self.services = services
        self.options = options
        self.t = translator
        localize_bindings(self, translator, single_keys=options.single_key_shortcuts)
        self.calls: dict[str, CallSession] = {}
        """This session's calls by call id, oldest first: live ones and the last DETAILED_CALLS in full,
        older ones as summaries, at most HISTORY_CALLS (see trim_calls)."""
        self._unsynced: dict[str, CallSession] = {}
        """Calls with a work order not yet confirmed by the outbox (the only ones a link update visits)."""
        self.active_id: str | None = None
        """The call the agent is talking on (or dialing)."""
        self.ringing_id: str | None = None
        """The call ringing now (a waiting call when another is up)."""
        self.last_ended_id: str | None = None
        """The last finished call, still to be wrapped up."""
        self.status = AgentStatus()
        self.stats = DeskStats()
        self.link = LinkStatus(online=True)
        self.sip_ok: bool | None = None if services.phone is not None else False
        self.sip_registered: bool | None = None
        """Whether the phone is registered: None in listen mode (no registration) until it says."""
        self.sip_detail = ""
        self.reasons: list[str] = ["break", "meal", "meeting", "training", "other"]
        self.auto_not_ready = False
        """The desk itself set Not Ready because the phone went offline (and will undo it)."""
        self.acw_started: float | None = None
        self.lookup_cache: dict[str, LookupResult] = {}
        self.slow_lookups: dict[str, float | None] = {}
        """Calls whose lookup took longer than options.slow_lookup_s → how long it took (None while it
        still runs): their card says "slow lookup (N.N s)"."""
        self.logged_in = False
        self._widgets_ready = False
        self._view_scheduled = False
        """A repaint of the whole view is queued (see refresh_view)."""
        self._card_waits_for: str | None = None
        """The ringing call whose card is not drawn until its lookup ends or POP_GRACE_S passes."""
        self._held_states: list[AgentStateChange] | None = None
        """State changes made while a pop is on its way (Ringing): journalled and sent once the card is
        painted, in order, so the journal's fsync and the PUT do not delay the pop. Any other write
        sends them first."""
        self._queued_since: float | None = None
        """When the outbox last went from empty to holding writes."""
        extra = services.training
        self.training = DeskTraining(self, extra.api if extra else None, extra.launcher if extra else None,
                                     sip_uri=extra.sip_uri if extra else None,
                                     public_address=extra.public_address if extra else None,
                                     uploader=extra.uploader if extra else None)
        """Training calls: captions, progress, score cards, self-practice."""
        self.supervisor = DeskSupervisor(self)
        self.quality = QualityBook()
        """The latest line quality of each call (the call strip flags a bad line)."""
        """Supervisor commands, the call fields of every state change, the 'monitored' mark."""
        self.callback_calls = CallbackCalls(services.writes)
        """Calls placed for a claimed callback: closing the callback once one was answered."""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield RingingBanner()
        yield CallLine()
        yield CustomerCard()
        yield TrainingPanel()
        yield Footer()

    def on_mount(self) -> None:
        """Paint once, then tick: the tick repaints only what changed."""
        self._widgets_ready = True
        self.paint_view()
        self.set_interval(1.0, self.tick)

    # ---- service start ----------------------------------------------------------------------

    async def started(self, info: SessionInfo) -> None:
        """Called after login: load reasons, start the phone, go Not Ready until the agent is set."""
        self.logged_in = True
        if self.services.phone is not None:
            spawn_thread = getattr(self.app, "spawn_thread", None)
            if callable(spawn_thread):
                spawn_thread(self.services.phone.start, "starting the phone")
        try:
            reasons = await asyncio.wait_for(self.services.backend.list_reasons(), 5)
        except Exception as error:  # reasons are a nicety: keep the defaults
            log.info("reason codes not loaded: %s", error)
        else:
            self.reasons = [clean(r, 40) for r in reasons if r and r != PHONE_OFFLINE] or self.reasons
        self.set_state(AgentStateName.NOT_READY, "other" if "other" in self.reasons else None)
        self.refresh_view()

    # ---- state ------------------------------------------------------------------------------

    def set_state(self, state: AgentStateName, reason: str | None = None) -> None:
        """Change the agent state, show it and tell the backend (through the outbox)."""
        if state == self.status.state and reason == self.status.reason:
            return
        self.status = AgentStatus(state=state, reason=reason if state == AgentStateName.NOT_READY else None)
        if state != AgentStateName.ACW:
            self.acw_started = None
        change = self.supervisor.state_change(state, self.status.reason)
        if self._held_states is not None:
            self._held_states.append(change)
        else:
            self._write_state(change)
        self.training.state_changed(state, self.status.reason)
        self.refresh_view()

    def _write_state(self, change: AgentStateChange) -> None:
        try:
            self.services.writes.set_state(self.options.username, change)
        except Exception as error:
            desk_app(self).report_error(error, "saving the agent state")

    def flush_state_writes(self) -> None:
        """Send the state changes held back during a pop (before any other write, to keep the order)."""
        held, self._held_states = self._held_states, None
        for change in held or ():
            self._write_state(change)

    @property
    def active(self) -> CallSession | None:
        """The call being talked on."""
        return self.calls.get(self.active_id) if self.active_id else None

    @property
    def ringing(self) -> CallSession | None:
        """The call ringing now."""
        return self.calls.get(self.ringing_id) if self.ringing_id else None

    @property
    def focus_call(self) -> CallSession | None:
        """The call the card is about: the active one, else the ringing one, else the last ended."""
        for call_id in (self.active_id, self.ringing_id, self.last_ended_id):
            if call_id and call_id in self.calls:
                return self.calls[call_id]
        return None

    # ---- phone events -----------------------------------------------------------------------

    def handle_phone_event(self, event: Any) -> None:
        """Apply one phone event (UI thread)."""
        if self.quality.apply(event) and isinstance(event, CallStats):
            self._paint_calls()
        if not isinstance(event, IncomingCall):
            self.flush_state_writes()
        if isinstance(event, IncomingCall):
            self._incoming(event)
        elif isinstance(event, CallState):
            self._call_state(event)
        elif isinstance(event, CallEnded):
            self._call_ended(event)
        elif isinstance(event, Registration):
            self.sip_registered = event.state == "registered"
            if event.state != "registering":
                self._set_phone_ok(self.sip_registered, clean(event.reason, 80))
        elif isinstance(event, Health):
            # A registrar that answers OPTIONS does not route calls to a phone it has not registered:
            # "SIP ok" waits for the registration too.
            if not (event.ok and self.sip_registered is False):
                self._set_phone_ok(event.ok, clean(event.detail, 80))
        elif isinstance(event, Transferred):
            key = "Transfer to {target} done." if event.ok else "Transfer to {target} failed: {reason}"
            self.app.notify(self.t.t(key, target=clean(event.target, 60), reason=clean(event.reason, 80)),
                            severity="information" if event.ok else "warning")
        elif isinstance(event, EngineStarted):
            self.training.engine_started(event.address)
            if self.sip_ok is None:  # listen mode has no registration: being up is being healthy
                self._set_phone_ok(True, clean(event.address, 80))
        elif isinstance(event, EngineStopped):
            self._set_phone_ok(False, "")
        elif isinstance(event, EngineError):
            self.app.notify(self.t.t("Phone error: {message}", message=clean(event.message, 200)),
                            severity="error")
        elif isinstance(event, AudioDevicesChanged):
            self.app.notify(devices_changed_note(self.t, event))
        elif isinstance(event, RecordingReady):
            if self._check_recording(event) and not self._is_training(event.call_id):
                self._queue_recording(event)
            self.training.recording_ready(event.call_id, event.path)
        if isinstance(event, CallState) and event.state == "confirmed":
            self._check_recording_space()
        self.supervisor.phone_event(event)

    def _recordings_free_mb(self) -> float | None:
        folder = self.options.recordings_dir
        if folder is None:
            return None
        try:
            return shutil.disk_usage(folder).free / 1_048_576
        except OSError:
            return 0.0

    def _check_recording_space(self) -> None:
        """At answer: warn when this call is unlikely to be recorded (the call goes on regardless)."""
        free = self._recordings_free_mb()
        if free is not None and free < self.options.recordings_min_free_mb:
            self.app.notify(self.t.t(
                "The recordings disk is almost full ({free} MB free): this call may not be recorded.",
                free=f"{free:.0f}"), severity="warning", timeout=10)

    def _is_training(self, call_id: str) -> bool:
        """A training call's recording is the training module's (uploaded as training, or kept local)."""
        return (call_id in self.training.training_call_ids or call_id in self.training.calls
                or is_training_call(self.calls.get(call_id)))

    def _queue_recording(self, event: RecordingReady) -> None:
        """A real call's recording goes to the backend through the outbox: it survives a restart."""
        try:
            self.services.writes.upload_recording(event.call_id, Path(event.path))
        except Exception:  # a journal failure must not take the phone events down; the file stays local
            log.exception("could not queue the upload of the recording of %s (%s)", event.call_id, event.path)

    def _check_recording(self, event: RecordingReady) -> bool:
        """A recording that holds no audio (a WAV header is 44 bytes) failed: say so (and False)."""
        try:
            size = Path(event.path).stat().st_size
        except OSError:
            size = 0
        if size <= WAV_HEADER_BYTES:
            log.warning("recording of %s is empty: %s", event.call_id, event.path)
            free = self._recordings_free_mb()
            if free is not None and free < self.options.recordings_min_free_mb:
                text = self.t.t("Recording failed: the recordings disk is full.")
            else:
                text = self.t.t("Recording failed: {path} holds no audio.", path=clean(event.path, 200))
            self.app.notify(text, severity="error", timeout=10)
            return False
        return True

    def _incoming(self, event: IncomingCall) -> None:
        session = CallSession(
            call_id=event.call_id,
            number=clean(event.number, 64),
            display=clean(event.display, 120),
            headers={clean(k, 64): clean(v, 200) for k, v in event.headers.items()},
            offered_at=event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC),
        )
        self.calls[session.call_id] = session
        self.ringing_id = session.call_id
        self.training.incoming(session)
        if self.active_id is None:
            self.last_ended_id = None
        self._card_waits_for = session.call_id
        if self._held_states is None:
            self._held_states = []
        self.set_timer(POP_GRACE_S, lambda: self._stop_waiting(session.call_id))
        self.set_timer(self.options.slow_lookup_s, lambda: self._lookup_slow(session))
        self.refresh_view()
        if self.active_id is not None:
            self.app.notify(self.t.t("Call waiting: {number}", number=session.number), timeout=4)
        self._start_lookup(session)

    def _stop_waiting(self, call_id: str) -> None:
        """The grace for a slow lookup is over: the card says it is still looking."""
        self.flush_state_writes()
        if self._card_waits_for == call_id:
            self._card_waits_for = None
            self.refresh_view()

    def _lookup_slow(self, session: CallSession) -> None:
        """The lookup is still running: mark the call slow (the mark stays once the card arrives)."""
        if session.lookup is LookupState.PENDING and session.call_id in self.calls:
            self.slow_lookups[session.call_id] = None
            self.refresh_view()

    def _start_lookup(self, session: CallSession) -> None:
        cached = self.lookup_cache.get(session.number)
        if cached is not None and session.customer_id_hint is None and session.account_hint is None:
            session.set_lookup(cached)
            self._painted_card(session)
        self.run_worker(self._lookup(session), group=f"lookup-{session.call_id}", exit_on_error=False)

    async def _lookup(self, session: CallSession) -> None:
        started = time.monotonic()
        try:
            result = await asyncio.wait_for(self._find(session), self.options.lookup_timeout_s)
        except TimeoutError:
            session.lookup = LookupState.FAILED
            session.lookup_error = self.t.t("the backend did not answer in time")
        except Exception as error:
            session.lookup = LookupState.FAILED
            session.lookup_error = self._describe(error)
            log.info("lookup for %s failed: %s", session.call_id, error)
        else:
            if session.number:
                self._cache_lookup(session.number, result)
            session.set_lookup(result)
        took = time.monotonic() - started
        if took >= self.options.slow_lookup_s or session.call_id in self.slow_lookups:
            self.slow_lookups[session.call_id] = took
            log.info("slow lookup for %s: %.1f s", session.call_id, took)
        self._painted_card(session)

    def _cache_lookup(self, number: str, result: LookupResult) -> None:
        """Remember `number`'s answer, forgetting the least recently looked-up beyond LOOKUP_CACHE_SIZE."""
        self.lookup_cache.pop(number, None)
        self.lookup_cache[number] = result
        while len(self.lookup_cache) > LOOKUP_CACHE_SIZE:
            del self.lookup_cache[next(iter(self.lookup_cache))]

    def trim_calls(self) -> None:
        """Bound what the session keeps: old finished calls drop their lookup detail, then go entirely.

        Live calls (ringing, active, held, consulting), the call still to wrap up and calls with work
        orders not yet synced are never touched.
        """
        keep = {self.active_id, self.ringing_id, self.last_ended_id, *self._unsynced}
        active = self.active
        if active is not None:
            keep.add(active.consult_call_id)
        finished = [c for c in self.calls.values()
                    if c.phase is CallPhase.ENDED and c.call_id not in keep]
        excess = len(self.calls) - HISTORY_CALLS
        for session in finished[:max(excess, 0)]:
            del self.calls[session.call_id]
            self.slow_lookups.pop(session.call_id, None)
        for session in finished[max(excess, 0):max(len(finished) - DETAILED_CALLS, 0)]:
            self._summarize(session)

    @staticmethod
    def _summarize(session: CallSession) -> None:
        """Keep only what the call history needs: number, who, times, direction, marks."""
        session.matches = []
        session.match = None
        session.headers = {}
        session.tickets = [t for t in session.tickets if not t.synced]

    async def _find(self, session: CallSession) -> LookupResult:
        if is_training_call(session):  # the scenario's caller, never a real customer
            return await self.training.lookup(session)
        backend = self.services.backend
        customer_id = session.customer_id_hint
        account = session.account_hint
        by_account: LookupResult | None = None
        if account is not None:
            # One request when the IVR sent the account (with or without the customer id): the
            # lookup brings the customer with last case, tickets and notices in a single answer.
            by_account = await backend.lookup(account=account)
            if customer_id is None and by_account.matches:
                return by_account
            for match in by_account.matches:
                if match.customer.id == customer_id:
                    return LookupResult(matches=[match])
        if customer_id is not None:
            customer = await backend.get_customer(customer_id)
            if by_account is None or customer.account != account:
                try:
                    by_account = await backend.lookup(account=customer.account)
                except Exception:
                    by_account = LookupResult(matches=[])
            for match in by_account.matches:
                if match.customer.id == customer.id:
                    return LookupResult(matches=[match])
            return LookupResult(matches=[LookupMatch(customer=customer)])
        if not session.number:
            return LookupResult(matches=[])
        return await backend.lookup(phone=session.number)

    def _describe(self, error: BaseException) -> str:
        text = str(error) or type(error).__name__
        if "Unavailable" in type(error).__name__ or isinstance(error, ConnectionError | OSError):
            return self.t.t("backend unreachable") + f" ({clean(text, 120)})"
        return clean(text, 160)

    def _painted_card(self, session: CallSession) -> None:
        """Paint the card; record pop latency once it is on screen."""
        self.paint_view()  # now: the next frame must hold the card, it is what the latency measures
        if session.pop_latency_ms is None:
            self.call_after_refresh(self._record_pop_latency, session)

    def _record_pop_latency(self, session: CallSession) -> None:
        if session.pop_latency_ms is None:
            session.pop_latency_ms = max((datetime.now(UTC) - session.offered_at).total_seconds() * 1000, 0.0)
            log.info("screen pop %s: %.1f ms", session.call_id, session.pop_latency_ms)
        self.flush_state_writes()

    def _call_state(self, event: CallState) -> None:
        session = self.calls.get(event.call_id)
        if session is None:
            if event.direction != "outbound":
                return
            session = CallSession(call_id=event.call_id, number="", direction=Direction.OUTBOUND,
                                  phase=CallPhase.DIALING, lookup=LookupState.NONE)
            self.calls[event.call_id] = session
        if event.state == "confirmed" or event.state == "resumed":
            if session.answered_at is None:
                session.answered_at = utc_now()
            if session.phase is CallPhase.HELD:
                session.end_hold()
            session.phase = CallPhase.TALKING
            if self.ringing_id == session.call_id:
                self.ringing_id = None
                self.training.answered(session.call_id)
            if session.call_id != (self.active.consult_call_id if self.active else None):
                self.active_id = session.call_id
            self.set_state(AgentStateName.ON_CALL)
        elif event.state == "held":
            session.start_hold()
        self.refresh_view()

    def _call_ended(self, event: CallEnded) -> None:
        session = self.calls.get(event.call_id)
        if session is None:
            return
        session.phase = CallPhase.ENDED
        session.ended_at = utc_now()
        session.end_reason = clean(event.reason, 200)
        if session.hold_started is not None:
            session.end_hold()
            session.phase = CallPhase.ENDED
        if self.ringing_id == event.call_id:
            self.ringing_id = None
        was_active = self.active_id == event.call_id
        if was_active:
            self.active_id = None
        if is_training_call(session):
            self.training.call_ended(session)
        self.callback_calls.ended(session.call_id, answered=session.answered_at is not None)
        if session.answered_at is not None:
            if session.call_id in self.supervisor.picked_up:
                # 代接: answered only to be moved to the supervisor (whose side records the call), so it
                # is no call this agent handled: no wrap-up, and a disposition the figures leave out.
                session.wrapped_up = True
                self._send_record(session, disposition=PICKED_UP)
            else:
                self.last_ended_id = session.call_id
                self._send_record(session)
            if was_active and is_training_call(session):
                # No after-call work for role-play: back to training status for the next scenario.
                session.wrapped_up = True
                self.set_state(AgentStateName.NOT_READY, "training")
            elif was_active and not self.supervisor.end_picked_up(session.call_id):
                self._start_acw()
        elif self.active_id is None and self.last_ended_id is None:
            self.last_ended_id = session.call_id
        self.trim_calls()
        self.refresh_view()

    def _send_record(self, session: CallSession, **wrapup: object) -> None:
        self.flush_state_writes()
        acw = time.monotonic() - self.acw_started if self.acw_started else 0.0
        try:
            record = session.to_record(self.options.username, acw_s=acw, **wrapup)
            record.ticket_ids = []
            record.training = is_training_call(session)
            self.services.writes.record_call(record)
        except Exception as error:
            desk_app(self).report_error(error, "saving the call record")

    def _start_acw(self) -> None:
        self.set_state(AgentStateName.ACW)
        self.acw_started = time.monotonic()
        if self.options.acw_mode != "optional" and self.app.screen is self:
            self.run_action_now("wrapup")

    def run_action_now(self, name: str) -> None:
        """Run an action of this screen soon (from a handler that cannot await)."""
        self.call_later(self.run_action, name)

    def _set_phone_ok(self, ok: bool, detail: str) -> None:
        changed = ok != self.sip_ok
        self.sip_ok = ok
        self.sip_detail = detail
        if not changed:
            return
        if not ok and self.status.state == AgentStateName.READY:
            self.auto_not_ready = True
            self.set_state(AgentStateName.NOT_READY, PHONE_OFFLINE)
            self.app.notify(self.t.t("Phone offline: set Not Ready until it is back."), severity="warning")
        elif ok and self.auto_not_ready and self.status.reason == PHONE_OFFLINE:
            self.auto_not_ready = False
            self.set_state(AgentStateName.READY)
            self.app.notify(self.t.t("Phone back online: Ready again."))
        self.refresh_view()

    def handle_link_status(self, status: LinkStatus) -> None:
        """The outbox reports the link to the backend."""
        if (status.detail.startswith(TLS_ERROR_PREFIX) and not status.online
                and status.detail != self.link.detail):
            message = self.t.t("Cannot save to the backend: {detail}", detail=clean(status.detail, 300))
            self.app.notify(message, severity="error", timeout=20)
        self.link = status
        if not status.queued:
            self._queued_since = None
        elif self._queued_since is None:
            self._queued_since = time.monotonic()
        # An online link with an empty queue has delivered everything queued before it.
        synced = False
        for session in list(self._unsynced.values()):
            for pending in session.tickets:
                if not pending.synced and (
                        (status.online and status.queued == 0) or pending.reference == status.delivered):
                    pending.synced = True
                    synced = True
            if all(pending.synced for pending in session.tickets):
                del self._unsynced[session.call_id]
        if synced:
            self.refresh_view()
        elif self._widgets_ready:
            self._paint_status()  # only the link cell can have changed

    def handle_live_event(self, event: Event) -> None:
        """A live event from the backend: forced state changes and notes from a supervisor."""
        if event.target not in (None, self.options.username):
            return
        self.flush_state_writes()
        if self.supervisor.handle_live_event(event):
            return
        data = event.data
        if event.kind == EventKind.COMMAND:
            command = str(data.get("command", ""))
            if command == "force_state":
                try:
                    state = AgentStateName(str(data.get("state", "")))
                except ValueError:
                    return
                reason = data.get("reason")
                self.set_state(state, clean(reason, 40) if isinstance(reason, str) else None)
                self.app.notify(self.t.t("Your supervisor changed your state."), severity="warning")
            elif command.startswith("training_"):
                payload = data.get("data")
                self.training.command(command, payload if isinstance(payload, dict) else {})
            elif command in ("note", "coach", "message"):
                self.app.notify(self.t.t("Supervisor: {text}", text=clean(data.get("text", ""), 300)),
                                timeout=15)
        elif event.kind == EventKind.TICKET:
            number = data.get("number")
            if isinstance(number, str):
                self.app.notify(self.t.t("Work order {number} saved.", number=clean(number, 40)), timeout=3)

    # ---- painting ---------------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: update time-dependent cells (they repaint only when their text changes)."""
        if not self._widgets_ready:
            return
        self._paint_status()
        self._paint_calls()
        if (self.status.state == AgentStateName.ACW and self.options.acw_mode == "timeboxed"
                and self.acw_started is not None
                and time.monotonic() - self.acw_started >= self.options.acw_seconds):
            self._finish_acw()

    def _finish_acw(self) -> None:
        self.acw_started = None
        if self.options.auto_ready_after_acw:
            self.set_state(AgentStateName.READY)
        else:
            self.set_state(AgentStateName.NOT_READY, "other")

    def refresh_view(self) -> None:
        """Repaint everything from the current state: soon, and once however often it is asked meanwhile.

        The paint waits on this screen's queue, so a handler that changes several things (a ring: the
        call, then the agent state) paints once, and a pop's lookup request leaves before the banner
        is drawn.
        """
        if not self._widgets_ready or self._view_scheduled:
            return
        self._view_scheduled = self.call_later(self.paint_view)

    def paint_view(self) -> None:
        """Repaint everything from the current state now (widgets skip what did not change)."""
        self._view_scheduled = False
        if not self._widgets_ready:
            return
        self._paint_status()
        self._paint_calls()
        session = self.focus_call
        if session is not None and session.call_id == self._card_waits_for:
            if session.lookup is LookupState.PENDING:
                return  # the previous card stays a moment longer: see POP_GRACE_S
            self._card_waits_for = None
        slow = session is not None and session.call_id in self.slow_lookups
        took = self.slow_lookups.get(session.call_id) if session is not None else None
        self.query_one(CustomerCard).show(self.t, session, slow=slow, lookup_s=took)

    def _paint_status(self) -> None:
        t = self.t.t
        bars = self.query(StatusBar)
        if not bars:  # the desk is closing: its widgets are gone, a late link report has nowhere to go
            return
        bar = bars.first()
        state = self.status.state
        label = t(STATE_LABELS.get(state, state.value))
        if state == AgentStateName.NOT_READY and self.status.reason:
            label += f" ({t(REASON_LABELS.get(self.status.reason, self.status.reason))})"
        elapsed = self.status.elapsed()
        if state == AgentStateName.ACW and self.acw_started is not None:
            used = time.monotonic() - self.acw_started
            if self.options.acw_mode == "timeboxed":
                label += " " + duration(max(self.options.acw_seconds - used, 0))
            else:
                label += " " + duration(used)
        elif state == AgentStateName.ON_CALL:
            label += " " + duration(elapsed)
        else:
            # Idle: minute resolution, so an idle desk does not repaint every second.
            label += " " + t("{minutes}m", minutes=int(elapsed // 60))
        label += self.supervisor.mark()
        mark = STATE_MARKS.get(state, "■")
        bar.cell("state").show(f"{mark} {label}", STATE_CLASSES.get(state, ""))
        if self.services.phone is None:
            bar.cell("sip").show(t("SIP off"), "-warn")
        elif self.sip_ok is None:
            bar.cell("sip").show(t("SIP …"), "")
        elif self.sip_ok:
            bar.cell("sip").show(t("SIP ok"), "-ok")
        else:
            bar.cell("sip").show(t("SIP down!"), "-bad")
        settling = self._queued_since is not None and (
            time.monotonic() - self._queued_since < SYNCING_SHOWN_AFTER_S)
        focus = self.focus_call
        slow = focus is not None and focus.call_id in self.slow_lookups
        if not self.link.online and self.link.detail.startswith(TLS_ERROR_PREFIX):
            bar.cell("link").show(t("TLS error, {count} queued", count=self.link.queued), "-bad")
        elif self.link.online and slow and (not self.link.queued or settling):
            bar.cell("link").show(t("Online, slow"), "-warn")
        elif self.link.online and (not self.link.queued or settling):
            bar.cell("link").show(t("Online"), "-ok")
        elif self.link.online:
            bar.cell("link").show(t("Syncing {count}", count=self.link.queued), "-warn")
        else:
            bar.cell("link").show(t("Offline, {count} queued", count=self.link.queued), "-bad")
        aht = self.stats.aht_s
        fcr = self.stats.fcr
        low = (aht is not None and aht > self.options.aht_target_s) or (
            fcr is not None and fcr < self.options.fcr_target)
        stats = t("Calls {calls} AHT {aht} FCR {fcr}", calls=self.stats.calls,
                  aht=duration(aht) if aht is not None else "-",
                  fcr=f"{fcr:.0%}" if fcr is not None else "-")
        bar.cell("stats").show(stats + (" !" if low else ""), "-warn" if low else "")
        now = datetime.now().astimezone()
        clock = now.strftime("%H:%M:%S") if self.options.clock == "seconds" else now.strftime("%H:%M")
        bar.cell("clock").show(clock if self.options.clock != "off" else "", "")

    def _paint_calls(self) -> None:
        t = self.t.t
        banner = self.query_one(RingingBanner)
        ringing = self.ringing
        if ringing is not None:
            line = Text()
            title = t("Call waiting") if self.active_id else t("Ringing")
            line.append(f"☎ {title} ", style="bold")
            line.append_text(plain(ringing.number or t("unknown number"), 40))
            who = ringing.customer.name if ringing.customer else ringing.display
            if who:
                line.append("  ")
                line.append_text(plain(who, 60, style="bold"))
            if ringing.queue:
                line.append(f"  {t('Queue')}: ")
                line.append_text(plain(ringing.queue, 40))
            line.append(f"  {t('Waiting')} {duration(ringing.wait_s())}")
            line.append(f"  [{t('F3 answer')}]")
            banner.show(line)
        else:
            banner.show(None)
        call_line = self.query_one(CallLine)
        active = self.active
        if active is not None:
            text = Text()
            phase = t("On hold") if active.phase is CallPhase.HELD else (
                t("Dialing") if active.phase is CallPhase.DIALING else t("On call"))
            text.append(f"{phase} ", style="bold")
            text.append_text(plain(active.number, 40))
            name = active.customer.name if active.customer else active.display
            if name:
                text.append("  ")
                text.append_text(plain(name, 60))
            text.append(f"  {duration(active.talk_s())}")
            if active.muted:
                text.append(f"  [{t('MUTED')}]", style="bold reverse")
            if active.phase is CallPhase.HELD:
                text.append(f"  [{t('HELD')}]", style="bold reverse")
            poor = quality_note(self.t, self.quality.of(active.call_id))
            if poor:
                text.append(f"  [{poor}]", style="bold")
            call_line.show(text, active=True, held=active.phase is CallPhase.HELD)
        else:
            last = self.calls.get(self.last_ended_id) if self.last_ended_id else None
            if last is not None and not last.wrapped_up and last.answered_at is not None:
                text = Text(t("Call ended: {number}. F10 wrap-up.", number=clean(last.number, 40)))
            else:
                text = Text(t("No call."))
            call_line.show(text, active=False)

    # ---- call control actions ---------------------------------------------------------------

    def _phone(self) -> Any:
        phone = self.services.phone
        if phone is None:
            self.app.notify(self.t.t("No phone in this session."), severity="warning")
        return phone

    def _command(self, what: str, func: Any, *args: Any) -> None:
        try:
            func(*args)
        except Exception as error:
            desk_app(self).report_error(error, what)

    def action_answer(self) -> None:
        """Answer the ringing call (a call in progress is put on hold first)."""
        ringing = self.ringing
        phone = self._phone()
        if ringing is None or phone is None:
            if ringing is None:
                self.app.notify(self.t.t("Nothing is ringing."), timeout=2)
            return
        active = self.active
        if active is not None and active.phase is CallPhase.TALKING:
            self._command("putting the call on hold", phone.hold, active.call_id)
            active.start_hold()
        self._command("answering", phone.answer, ringing.call_id)

    def action_reject(self) -> None:
        """Refuse the ringing call."""
        ringing = self.ringing
        phone = self._phone()
        if ringing is not None and phone is not None:
            self._command("rejecting the call", phone.reject, ringing.call_id)

    def action_hangup(self) -> None:
        """Hang up the active call (or reject the ringing one when nothing else is up)."""
        phone = self._phone()
        if phone is None:
            return
        if self.active is not None:
            self._command("hanging up", phone.hangup, self.active.call_id)
        elif self.ringing is not None:
            self._command("rejecting the call", phone.reject, self.ringing.call_id)

    def action_hold(self) -> None:
        """Put the active call on hold, or take it off hold."""
        active = self.active
        phone = self._phone()
        if active is None or phone is None:
            return
        if active.phase is CallPhase.HELD:
            self._command("resuming the call", phone.resume, active.call_id)
        else:
            self._command("putting the call on hold", phone.hold, active.call_id)
            active.start_hold()
        self.refresh_view()

    def action_mute(self) -> None:
        """Mute or unmute the agent's microphone on the active call."""
        active = self.active
        phone = self._phone()
        if active is None or phone is None:
            return
        active.muted = not active.muted
        self._command("muting", phone.mute, active.call_id, active.muted)
        self.refresh_view()

    def action_ready(self) -> None:
        """Toggle Ready / Not Ready (Not Ready asks for the reason)."""
        from agent_tui.ui.common.reason import ReasonScreen

        if self.status.state in (AgentStateName.NOT_READY, AgentStateName.ACW, AgentStateName.LOGGED_OUT):
            if self.status.state == AgentStateName.ACW and self.options.acw_mode == "mandatory":
                last = self.calls.get(self.last_ended_id) if self.last_ended_id else None
                if last is not None and not last.wrapped_up:
                    self.app.notify(self.t.t("Wrap up the call first (F10)."), severity="warning")
                    return
            if self.sip_ok is False and self.services.phone is not None:
                self.app.notify(self.t.t("The phone is offline; you stay Not Ready."), severity="warning")
                return
            self.auto_not_ready = False
            self.set_state(AgentStateName.READY)
        elif self.status.state == AgentStateName.READY:
            def chosen(reason: str | None) -> None:
                if reason:
                    self.set_state(AgentStateName.NOT_READY, reason)

            self.app.push_screen(ReasonScreen(self.reasons), chosen)

    def action_transfer(self) -> None:
        """Transfer the active call: pick a target, then blind or consult."""
        from agent_tui.ui.desk.transfer import TransferScreen

        active = self.active
        if active is None or self._phone() is None:
            self.app.notify(self.t.t("No call to transfer."), timeout=2)
            return
        self.app.push_screen(TransferScreen(self.services.backend), self._transfer_chosen)

    def _transfer_chosen(self, choice: tuple[str, str] | None) -> None:
        active = self.active
        phone = self.services.phone
        if choice is None or active is None or phone is None:
            return
        mode, target = choice
        headers = self.case_headers(active)
        if mode == "blind":
            self._command("transferring", phone.blind_transfer, active.call_id, target, headers)
        else:
            def consult() -> None:
                active.consult_call_id = phone.consult(active.call_id, target, headers)

            spawn = getattr(self.app, "spawn_thread", None)
            if callable(spawn):
                spawn(consult, "calling the transfer target")
            active.start_hold()
        self.refresh_view()

    @staticmethod
    def case_headers(session: CallSession) -> dict[str, str]:
        """SIP headers that hand the case over with a transfer: the customer and the last order."""
        headers: dict[str, str] = {}
        if session.customer is not None:
            headers["X-Customer-Id"] = str(session.customer.id)
            headers["X-Account"] = session.customer.account
        elif session.account_hint:
            headers["X-Account"] = session.account_hint
        if session.queue:
            headers["X-Queue"] = session.queue
        return headers

    def action_conference(self) -> None:
        """Complete a consult transfer, or with a held call and an active one, make a conference."""
        active = self.active
        phone = self._phone()
        if active is None or phone is None:
            return
        if active.consult_call_id:
            self._command("completing the transfer", phone.complete_transfer, active.call_id,
                          active.consult_call_id)
            return
        others = [c.call_id for c in self.calls.values()
                  if c.phase is CallPhase.HELD and c.call_id != active.call_id]
        if not others:
            self.app.notify(self.t.t("A conference needs a second call on hold."), timeout=3)
            return
        self._command("starting the conference", phone.conference, [active.call_id, *others])

    def action_dtmf(self) -> None:
        """Open the DTMF pad for the active call."""
        from agent_tui.ui.desk.dtmf import DtmfScreen

        active = self.active
        phone = self._phone()
        if active is None or phone is None:
            self.app.notify(self.t.t("No call to send digits on."), timeout=2)
            return

        def send(digit: str) -> None:
            self._command("sending DTMF", phone.send_dtmf, active.call_id, digit)

        self.app.push_screen(DtmfScreen(send))

    def action_dial(self, number: str | None = None) -> None:
        """Dial a number (asks for it when none is given)."""
        from agent_tui.ui.desk.dial import DialScreen

        if number:
            self.dial(number)
            return
        self.app.push_screen(DialScreen(), lambda value: self.dial(value) if value else None)

    def dial(self, number: str, customer: Customer | None = None,
             placed: Callable[[str], None] | None = None) -> None:
        """Place an outbound call; the card keeps the customer when the call is to them.

        `placed` gets the new call's id (on the UI thread) once the phone has made the call."""
        phone = self._phone()
        if phone is None:
            return
        number = clean(number, 64).strip()
        if not number:
            return

        def place() -> None:
            call_id = phone.make_call(number)
            self.app.call_from_thread(self._dialed, call_id, number, customer)
            if placed is not None:
                self.app.call_from_thread(placed, call_id)

        spawn = getattr(self.app, "spawn_thread", None)
        if callable(spawn):
            spawn(place, "dialing")

    def _dialed(self, call_id: str, number: str, customer: Customer | None) -> None:
        session = self.calls.get(call_id) or CallSession(call_id=call_id, number=number)
        session.number = number
        session.direction = Direction.OUTBOUND
        if session.phase is CallPhase.RINGING:
            session.phase = CallPhase.DIALING
        self.calls[call_id] = session
        self.active_id = call_id
        if customer is not None:
            session.choose(LookupMatch(customer=customer))
        elif session.lookup is not LookupState.FOUND:
            session.lookup = LookupState.PENDING
            self.run_worker(self._lookup(session), exit_on_error=False)
        self.refresh_view()

    def action_call_customer(self) -> None:
        """Click-to-dial: call the card's customer on their first phone number."""
        session = self.focus_call
        customer = session.customer if session else None
        if customer is None or not customer.phones:
            self.app.notify(self.t.t("No customer number to call."), timeout=2)
            return
        self.dial(customer.phones[0], customer)

    # ---- other panels -----------------------------------------------------------------------

    def action_pick(self) -> None:
        """Pick among several matching customers, or create one when none matched."""
        from agent_tui.ui.desk.create_customer import CreateCustomerScreen
        from agent_tui.ui.desk.pick import PickCustomerScreen

        session = self.focus_call
        if session is None:
            return
        if session.lookup is LookupState.SEVERAL:
            def picked(match: LookupMatch | None) -> None:
                if match is not None:
                    session.choose(match)
                    self.refresh_view()

            self.app.push_screen(PickCustomerScreen(session.matches), picked)
        elif session.lookup in (LookupState.NONE, LookupState.FAILED):
            def created(customer: Customer | None) -> None:
                if customer is not None:
                    session.choose(LookupMatch(customer=customer))
                    self.lookup_cache.pop(session.number, None)
                    self.refresh_view()

            self.app.push_screen(CreateCustomerScreen(self.services.backend, session.number), created)

    def action_order(self) -> None:
        """Open the work-order screens for the call on the card."""
        from agent_tui.ui.desk.order import OrderPickScreen

        if self.services.screens is None:
            self.app.notify(self.t.t("No work-order screens in this session."), severity="warning")
            return
        self.app.push_screen(OrderPickScreen(self.services.screens, self.focus_call, self))

    def submit_ticket(self, ticket: TicketCreate, session: CallSession | None) -> str | None:
        """Queue a work order in the outbox; it shows on the card at once as pending."""
        self.flush_state_writes()
        try:
            reference = self.services.writes.submit_ticket(ticket)
        except Exception as error:
            desk_app(self).report_error(error, "saving the work order")
            return None
        if session is not None:
            session.tickets.append(PendingTicket(reference, ticket, synced=False))
            self._unsynced[session.call_id] = session
        self.refresh_view()
        self.app.notify(self.t.t("Work order queued."), timeout=3)
        return reference

    def action_wrapup(self) -> None:
        """Wrap up the last finished call (or the active one, noting it early)."""
        from agent_tui.ui.desk.wrapup import WrapUp, WrapUpScreen

        session = (self.calls.get(self.last_ended_id) if self.last_ended_id else None) or self.active
        if session is None:
            self.app.notify(self.t.t("No call to wrap up."), timeout=2)
            return

        def done(result: WrapUp | None) -> None:
            if result is None:
                return
            self.finish_wrapup(session, result)

        acw_end = (self.acw_started + self.options.acw_seconds) if (
            self.acw_started is not None and self.options.acw_mode == "timeboxed") else None
        self.app.push_screen(WrapUpScreen(session, acw_end), done)

    def finish_wrapup(self, session: CallSession, result: Any) -> None:
        """Record the wrap-up, count the call in today's figures, and end after-call work."""
        acw = time.monotonic() - self.acw_started if self.acw_started else 0.0
        self._send_record(session, disposition=result.disposition,
                          first_call_resolved=result.resolved,
                          transfer_reason=result.transfer_reason or None, notes=result.notes)
        if not session.wrapped_up and not is_training_call(session):
            self.stats.add(session.talk_s(), session.hold_s, acw, result.resolved)
        session.wrapped_up = True
        if self.status.state == AgentStateName.ACW:
            self._finish_acw()
        self.refresh_view()

    def action_kb(self) -> None:
        """Search the knowledge base."""
        from agent_tui.ui.desk.kb import KbScreen

        self.app.push_screen(KbScreen(self.services.backend))

    def action_callbacks(self) -> None:
        """Callers waiting for a callback: Enter claims one and calls it back, d closes one held."""
        from agent_tui.ui.desk.callbacks import CallbacksScreen

        def chosen(entry: PendingCallback | None) -> None:
            if entry is not None:
                self.dial(entry.number, placed=lambda call_id: self.callback_calls.placed(call_id, entry.id))

        self.app.push_screen(CallbacksScreen(self.services.callbacks, username=self.options.username,
                                             close=self.callback_calls.close), chosen)

    def action_audio_device(self) -> None:
        """Move the earpiece or the microphone to another sound device (mid-call too)."""
        open_device_picker(self.app, self._phone())

    def action_practice(self) -> None:
        """Self-practice: pick a scenario; a simulated caller rings this desk (training status is set)."""
        from agent_tui.ui.train.scenario_pick import ScenarioPickScreen

        if self.active is not None or self.ringing is not None:
            self.app.notify(self.t.t("Finish the call first."), timeout=3)
            return

        def chosen(scenario_id: str | None) -> None:
            if not scenario_id:
                return
            if self.status.state != AgentStateName.NOT_READY or self.status.reason != "training":
                self.set_state(AgentStateName.NOT_READY, "training")
            self.training.start_practice(scenario_id)

        async def pick() -> None:
            scenarios = await self.training.summaries()
            self.app.push_screen(ScenarioPickScreen(scenarios, self.t.t("Self-practice: choose a scenario")),
                                 chosen)

        desk_app(self).spawn(self, pick, "loading the scenarios")

    def action_model_calls(self) -> None:
        """The model calls supervisors and trainers marked, to listen to while in training status."""
        from agent_tui.ui.train.model_calls_screen import ModelCallsScreen
        from agent_tui.ui.train.review_playback import RecordingAccess

        extra = self.services.training
        if extra is None or extra.review is None:
            self.app.notify(self.t.t("Model calls need the backend."), timeout=3)
            return
        if self.status.state != AgentStateName.NOT_READY or self.status.reason != "training":
            self.app.notify(self.t.t("Model calls are for training: go Not Ready with the reason Training "
                                     "first."), timeout=5)
            return
        self.app.push_screen(ModelCallsScreen(RecordingAccess(extra.review, export_dir=extra.export_dir)))

    async def on_unmount(self) -> None:
        """End the simulated callers this desk started."""
        self.flush_state_writes()
        await self.training.shutdown()

    def action_history(self) -> None:
        """This session's calls."""
        from agent_tui.ui.desk.history import HistoryScreen

        self.app.push_screen(HistoryScreen(list(self.calls.values())))
