"""The desk screen: status bar, ringing banner, call line, customer card, footer.

It renders the headless desk model (`agent_tui.desk.model.DeskModel`): phone events, ticks and the
agent's keys go into the model; the effects it returns are carried out here (outbox writes, phone
commands, lookups, notices, the wrap-up panel); the widgets are painted from its state. The rules
(agent state, after-call work, what is recorded) live in the model, not here.

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
| ctrl+w / v | desk.return_visits | return visits due: claim one, call the customer, record the answers |
| ctrl+x | desk.survey | send the caller to the satisfaction survey after the goodbye |
| ctrl+y | desk.outbound_dial | outbound: dial the offered item, give its outcome, or resume |
| ctrl+f | desk.outbound_skip | outbound: skip the offered item |
| ctrl+z | desk.sip_trace | the SIP messages of the current (or last) call |
| a, x, h, m, r | key.* | one-key answer, hang up (x twice within 2 s), hold, mute, ready (switchable off) |
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from agent_tui.desk.calls import CallSession, LookupState
from agent_tui.desk.clock import DeskClock
from agent_tui.desk.effects import (
    CloseWrapup,
    Effect,
    Notify,
    OpenWrapup,
    PhoneCommand,
    RaiseRinging,
    RecordCall,
    SendState,
    StartLookup,
)
from agent_tui.desk.lookup import LookupCache
from agent_tui.desk.model import DeskModel
from agent_tui.desk.order_alerts import OrderAlertBook
from agent_tui.desk.rules import MISSED_CALL, PHONE_OFFLINE, DeskRules
from agent_tui.desk.stats import AgentStatus
from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.figures import HandlingSums
from agent_tui.domain.session import SessionInfo
from agent_tui.domain.ticket import TicketCreate
from agent_tui.forms.drafts import DraftStore
from agent_tui.forms.runner import FormRun
from agent_tui.i18n import Translator
from agent_tui.phone.quality_watch import QualityBook
from agent_tui.sync.desk_link import LinkStatus
from agent_tui.ui.common.bindings import localize_bindings, relabel
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.key_order import settle_keys
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.call_bar import RingingBanner
from agent_tui.ui.desk.call_control import DeskCallControl
from agent_tui.ui.desk.call_strip import CallStrip, CallViewSink
from agent_tui.ui.desk.callback_calls import CallbackCalls
from agent_tui.ui.desk.customer_card import CustomerCard
from agent_tui.ui.desk.desk_call_view import desk_call_view
from agent_tui.ui.desk.desk_events import DeskEvents
from agent_tui.ui.desk.desk_footer import DeskFooter
from agent_tui.ui.desk.desk_panels import DeskPanels
from agent_tui.ui.desk.desk_survey import SATISFACTION_REFRESH_S, DeskSurvey
from agent_tui.ui.desk.desk_view import (
    LinkView,
    paint_calls,
    paint_status,
)
from agent_tui.ui.desk.desk_wrapup import DeskWrapUp
from agent_tui.ui.desk.lookup_tasks import LookupTasks
from agent_tui.ui.desk.order_alerts_line import OrderAlertLine
from agent_tui.ui.desk.outbound_desk import DeskOutbound
from agent_tui.ui.desk.outbound_preview import OutboundPreview
from agent_tui.ui.desk.second_press import SecondPress
from agent_tui.ui.desk.services import DeskServices, OrderDesk
from agent_tui.ui.desk.status_bar import StatusBar
from agent_tui.ui.desk.supervisor_commands import DeskSupervisor
from agent_tui.ui.desk.training import DeskTraining
from agent_tui.ui.desk.training_panel import TrainingPanel

log = logging.getLogger(__name__)


def desk_rules(options: DeskOptions) -> DeskRules:
    """The model's rules from the desk's options."""
    return DeskRules(username=options.username, acw_mode=options.acw_mode, acw_seconds=options.acw_seconds,
                     acw_expiry=options.acw_expiry, auto_ready_after_acw=options.auto_ready_after_acw,
                     missed_call_not_ready=options.missed_call_not_ready)


class DeskScreen(DeskCallControl, DeskWrapUp, DeskEvents, DeskPanels, DeskSurvey, Screen[None]):
    """What the agent sees all day."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Keys that open a panel are priority bindings (see ui/common/key_order.py): the panel is on
        # the stack before the App routes the keys typed behind them in the same read, so those land
        # in the panel, not on the desk (where `w` or `k` would open another one). The desk screen has
        # no text field: one added to it would need the one-letter keys here to stop being priority.
        Binding("f9,o", "panel('order')", "Order", priority=True, id="desk.order"),
        Binding("f10,w", "panel('wrapup')", "Wrap-up", priority=True, id="desk.wrapup"),
        Binding("ctrl+n", "panel('dial')", "Dial", show=False, priority=True, id="desk.dial"),
        Binding("f2", "panel('ready')", "Ready", priority=True, id="desk.ready"),
        Binding("ctrl+l", "call_customer", "Call customer", show=False, id="desk.call_customer"),
        Binding("ctrl+k,k", "panel('kb')", "Knowledge base", show=False, priority=True, id="desk.kb"),
        Binding("ctrl+b", "panel('callbacks')", "Callbacks", show=False, priority=True, id="desk.callbacks"),
        Binding("ctrl+g", "panel('history')", "Call history", show=False, priority=True, id="desk.history"),
        Binding("ctrl+u", "panel('pick')", "Pick customer", show=False, priority=True, id="desk.pick"),
        Binding("ctrl+t", "panel('practice')", "Practice", show=False, priority=True, id="desk.practice"),
        Binding("ctrl+e", "panel('model_calls')", "Model calls", show=False, priority=True,
                id="desk.model_calls"),
        Binding("ctrl+o", "panel('audio_device')", "Sound device", show=False, priority=True,
                id="desk.audio_device"),
        Binding("ctrl+w,v", "panel('return_visits')", "Return visits", show=False, priority=True,
                id="desk.return_visits"),
        Binding("ctrl+x", "survey", "Satisfaction survey", show=False, id="desk.survey"),
        Binding("ctrl+y", "outbound_dial", "Dial offered", show=False, id="desk.outbound_dial"),
        Binding("ctrl+f", "outbound_skip", "Skip offered", show=False, id="desk.outbound_skip"),
        Binding("ctrl+z", "panel('sip_trace')", "SIP trace", show=False, priority=True, id="desk.sip_trace"),
        Binding("a", "answer", "Answer", show=False, id="key.answer"),
        Binding("x", "hangup_key", "Hang up (press twice)", show=False, id="key.hangup"),
        Binding("h", "hold", "Hold", show=False, id="key.hold"),
        Binding("m", "mute", "Mute", show=False, id="key.mute"),
        Binding("r", "panel('ready')", "Ready", show=False, priority=True, id="key.ready"),
    ]

    DEFAULT_CSS = "DeskScreen { layout: vertical; }"

    def __init__(self, services: DeskServices, options: DeskOptions, translator: Translator) -> None:
        super().__init__(id="desk")
        self.services = services
        self.options = options
        self.t = translator
        localize_bindings(self, translator, single_keys=options.single_key_shortcuts)
        self.model = DeskModel(desk_rules(options), DeskClock())
        """The desk's state and rules; this screen renders it."""
        self.link = LinkStatus(online=True)
        self.sip_ok: bool | None = None if services.phone is not None else False
        self.sip_registered: bool | None = None
        """Whether the phone is registered: None in listen mode (no registration) until it says."""
        self.sip_detail = ""
        self.reasons: list[str] = ["break", "meal", "meeting", "training", "other"]
        self.lookup_cache = LookupCache()
        self.lookups = LookupTasks()
        """The screen-pop lookups running now (plain tasks: see lookup_tasks.py)."""
        self.slow_lookups: dict[str, float | None] = {}
        """Calls whose lookup took longer than options.slow_lookup_s → how long it took (None while it
        still runs): their card says "slow lookup (N.N s)"."""
        self.logged_in = False
        self._widgets_ready = False
        self._view_scheduled = False
        """A repaint of the whole view is queued (see refresh_view)."""
        self._card_waits_for: str | None = None
        """The ringing call whose card is not drawn until its lookup ends or POP_GRACE_S passes."""
        self._ring_waits_for: str | None = None
        """The ringing call whose first paint waits for its lookup (at most RING_GRACE_S): one frame."""
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
        """Supervisor commands, the 'monitored' mark."""
        self.callback_calls = CallbackCalls(services.writes)
        """Calls placed for a claimed callback: closing the callback once one was answered."""
        self.outbound = DeskOutbound(self, services.outbound, mode=options.outbound_mode,
                                     preview_s=options.outbound_preview_s, poll_s=options.outbound_poll_s,
                                     screens=services.screens)
        """Outbound work (callbacks, campaign contacts) offered when the agent is Ready and idle."""
        services.on_shutdown.insert(0, self.outbound.give_back)  # before the HTTP client closes
        self.hangup_key = SecondPress()
        """The one-key hang-up acts on its second press only (F4 hangs up at once)."""
        self.order_alerts = OrderAlertBook(options.username)
        """Alerts about this agent's own orders (shown when options.order_alerts)."""

    # ---- the model's state, under the names the desk's helpers read -----------------------------

    @property
    def calls(self) -> dict[str, CallSession]:
        """This session's calls by call id, oldest first (bounded: see DeskBook.trim)."""
        return self.model.calls

    @property
    def status(self) -> AgentStatus:
        """The agent state as shown."""
        return self.model.status

    @property
    def stats(self) -> HandlingSums:
        """Today's figures."""
        return self.model.stats

    @property
    def active_id(self) -> str | None:
        """The call being talked on."""
        return self.model.active_id

    @property
    def ringing_id(self) -> str | None:
        """The call ringing now."""
        return self.model.ringing_id

    @property
    def last_ended_id(self) -> str | None:
        """The last finished call."""
        return self.model.last_ended_id

    @property
    def active(self) -> CallSession | None:
        """The call being talked on."""
        return self.model.active

    @property
    def ringing(self) -> CallSession | None:
        """The call ringing now."""
        return self.model.ringing

    @property
    def focus_call(self) -> CallSession | None:
        """The call the card is about."""
        return self.model.focus_call

    @property
    def _unsynced(self) -> dict[str, CallSession]:
        return self.model.unsynced

    # ---- what the work-order screens see (OrderHost) --------------------------------------------

    @property
    def username(self) -> str:
        """The agent."""
        return self.options.username

    @property
    def drafts(self) -> DraftStore | None:
        """Where unfinished work orders are kept."""
        return self.services.drafts

    @property
    def orders(self) -> OrderDesk | None:
        """Order search, timelines and return visits."""
        return self.services.orders

    def form_changed(self, run: FormRun, session: CallSession | None) -> None:
        """A call's work-order form changed: training follows it."""
        self.training.form_changed(run, session)

    def training_panel(self) -> TrainingPanel | None:
        """The training panel (None once the desk's widgets are gone)."""
        panels = self.query(TrainingPanel)
        return panels.first() if panels else None

    def compose(self) -> ComposeResult:
        self._status_bar = StatusBar()  # kept: a DOM query for it on every paint cost ~1 ms (issue 11)
        yield self._status_bar
        yield RingingBanner()
        yield CallStrip()
        yield OrderAlertLine()
        yield CustomerCard()
        yield TrainingPanel()
        yield OutboundPreview()
        yield DeskFooter()

    def on_mount(self) -> None:
        """Paint once, then tick: the tick repaints only what changed."""
        self._widgets_ready = True
        self.paint_view()
        self.set_interval(1.0, self.tick)
        self.set_interval(SATISFACTION_REFRESH_S, self.refresh_satisfaction)

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
            self.reasons = [clean(r, 40) for r in reasons if r and r not in (PHONE_OFFLINE, MISSED_CALL)
                            ] or self.reasons
        self.carry(self.model.start("other"))
        await self._load_today()
        self.refresh_view()

    async def _load_today(self) -> None:
        """Today's figures start from what the backend counted (a restart mid-shift keeps the day)."""
        try:
            asking = self.services.backend.get_agent_figures(self.options.username)
            figures = await asyncio.wait_for(asking, 5)
        except Exception as error:  # the desk counts from zero, as before; the log says why
            log.info("today's figures not loaded: %s", error)
            return
        counted = self.model.stats
        today = HandlingSums.from_figures(figures.today)
        today.merge(counted)  # calls wrapped up while the figures were on their way
        self.model.stats = today
        self.satisfaction_avg = figures.today.satisfaction_avg

    # ---- effects ------------------------------------------------------------------------------

    def carry(self, effects: list[Effect]) -> None:
        """Carry out what the model asked for, in order."""
        for effect in effects:
            if isinstance(effect, SendState):
                try:
                    self.services.writes.set_state(self.options.username, effect.change)
                except Exception as error:
                    desk_app(self).report_error(error, "saving the agent state")
                self.training.state_changed(effect.change.state, effect.change.reason)
            elif isinstance(effect, RecordCall):
                try:
                    self.services.writes.record_call(effect.record)
                except Exception as error:
                    desk_app(self).report_error(error, "saving the call record")
            elif isinstance(effect, PhoneCommand):
                self._phone_command(effect)
            elif isinstance(effect, StartLookup):
                session = self.calls.get(effect.call_id)
                if session is not None:
                    self._start_lookup(session)
            elif isinstance(effect, Notify):
                self.app.notify(self.t.t(effect.text, **{k: clean(v, 200) for k, v in effect.params.items()}),
                                severity=effect.severity, timeout=effect.timeout)
            elif isinstance(effect, OpenWrapup):
                if self.app.screen is self:
                    self.run_action_now("wrapup")
            elif isinstance(effect, CloseWrapup | RaiseRinging):
                self._close_wrapup_panel()
        if effects:
            self.refresh_view()
        self.outbound.desk_changed()

    async def action_panel(self, name: str) -> None:
        """Open a panel (run `action_<name>`) once the desk's fields took the keys typed before its key."""
        await settle_keys(self)
        await self.run_action(name)

    def action_outbound_dial(self) -> None:
        """Dial the offered outbound item (or give its call's outcome, or resume outbound work)."""
        self.outbound.accept()

    def action_outbound_skip(self) -> None:
        """Give the offered outbound item back."""
        self.outbound.skip()

    def run_action_now(self, name: str) -> None:
        """Run an action of this screen soon (from a handler that cannot await)."""
        self.call_later(self.run_action, name)

    def set_state(self, state: AgentStateName, reason: str | None = None) -> None:
        """Set the agent state as told (training status, the supervisor module)."""
        self.carry(self.model.set_state(state, reason))

    def flush_state_writes(self) -> None:
        """Send the state changes held back during a pop (before any other write, to keep the order)."""
        self.carry(self.model.flush())

    # ---- painting ---------------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: time runs out, time-dependent cells repaint (only when their text changes)."""
        self.carry(self.model.tick())
        self.outbound.tick()
        if not self._widgets_ready or self._ring_held():
            return
        self._paint_status()
        self._paint_calls()

    def refresh_view(self) -> None:
        """Repaint everything from the model: soon, and once however often it is asked meanwhile.

        The paint waits on this screen's queue, so a handler that changes several things (a ring: the
        call, then the agent state) paints once, and a pop's lookup request leaves before the banner
        is drawn.
        """
        if not self._widgets_ready or self._view_scheduled:
            return
        self._view_scheduled = self.call_later(self._paint_soon)

    def _paint_soon(self) -> None:
        """The paint refresh_view asked for, unless a ring's first paint waits for its lookup."""
        self._view_scheduled = False
        if not self._ring_held():
            self.paint_view()

    def paint_view(self) -> None:
        """Repaint everything from the model now (widgets skip what did not change)."""
        self._view_scheduled = False
        if not self._widgets_ready:
            return
        self._paint_status()
        self._paint_calls()
        session = self.focus_call
        if session is not None and session.call_id == self._card_waits_for:
            if session.lookup is LookupState.PENDING:
                return  # the previous card stays a moment longer: see POP_GRACE_S in desk_events.py
            self._card_waits_for = None
        slow = session is not None and session.call_id in self.slow_lookups
        took = self.slow_lookups.get(session.call_id) if session is not None else None
        self.query_one(CustomerCard).show(self.t, session, slow=slow, lookup_s=took)

    def _ring_held(self) -> bool:
        """Whether a ring's first paint still waits for its lookup (see RING_GRACE_S in desk_events.py)."""
        ringing = self.ringing
        if ringing is None or ringing.call_id != self._ring_waits_for:
            return False
        if ringing.lookup is LookupState.PENDING:
            return True
        self._ring_waits_for = None  # the lookup answered: banner and card go in this paint
        return False

    def _paint_status(self) -> None:
        bar = getattr(self, "_status_bar", None)
        if bar is None or not bar.is_attached:
            return  # the desk is closing: its widgets are gone, a late link report has nowhere to go
        focus = self.focus_call
        view = LinkView(has_phone=self.services.phone is not None, sip_ok=self.sip_ok, link=self.link,
                        queued_since=self._queued_since,
                        slow_lookup=focus is not None and focus.call_id in self.slow_lookups,
                        monitored_mark=self.supervisor.mark(), satisfaction_avg=self.satisfaction_avg)
        paint_status(bar, self.t, self.model, self.options, view)
        label = self.t.t("Not Ready" if self.ready_key_asks_reason() else "Ready")
        if (relabel(self.app, "desk.ready", label) | relabel(self, "desk.ready", label)
                | relabel(self, "key.ready", label)):
            self.app.refresh_bindings()  # F2 says what it does now (issue 15)

    def _paint_calls(self) -> None:
        paint_calls(self.query_one(RingingBanner), self.t, self.model)
        self._publish_call_view()

    def _publish_call_view(self) -> None:
        """Hand the call strips (here and on the screens over the desk) what they show, through the App."""
        app = self.app
        if isinstance(app, CallViewSink):
            app.call_view = desk_call_view(self.t, self.model, self.quality, self.outbound.offer_view())

    def order_alert(self, data: dict[str, Any]) -> None:
        """An alert about an order: the line names it when it is this agent's (never a pop-up)."""
        if self.options.order_alerts and self.order_alerts.apply(data) is not None:
            for line in self.query(OrderAlertLine):
                line.show_book(self.t, self.order_alerts)

    def submit_ticket(self, ticket: TicketCreate, session: CallSession | None) -> str | None:
        """Queue a work order in the outbox; it shows on the card at once as pending."""
        self.flush_state_writes()
        try:
            reference = self.services.writes.submit_ticket(ticket)
        except Exception as error:
            desk_app(self).report_error(error, "saving the work order")
            return None
        if session is not None:
            self.model.ticket_queued(session, reference, ticket)
        self.refresh_view()
        self.app.notify(self.t.t("Work order queued."), timeout=3)
        return reference

    async def on_unmount(self) -> None:
        """End the simulated callers this desk started, and the lookups still running."""
        self.lookups.cancel_all()
        self.flush_state_writes()
        await self.training.shutdown()
