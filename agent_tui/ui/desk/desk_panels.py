"""The desk's panels and call-control extras: transfer, conference, DTMF, dialling, picking the customer,
work orders, knowledge base, callbacks, return visits, self-practice, model calls, call history.

A mixin of `DeskScreen` (desk.py) kept apart so each file stays readable; every panel it opens gets
what it needs (a backend, a session, a callback) and returns its result by `dismiss`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from agent_tui.desk.calls import CallPhase, CallSession, LookupState
from agent_tui.desk.effects import Effect
from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.customer import Customer, LookupMatch
from agent_tui.sync.callbacks import PendingCallback
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.audio_devices import open_device_picker
from agent_tui.ui.desk.desk_directory import resolve_then

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

    from agent_tui.desk.lookup import LookupCache
    from agent_tui.desk.model import DeskModel
    from agent_tui.desk.stats import AgentStatus
    from agent_tui.i18n import Translator
    from agent_tui.ui.common.options import DeskOptions
    from agent_tui.ui.desk.callback_calls import CallbackCalls
    from agent_tui.ui.desk.services import DeskServices
    from agent_tui.ui.desk.training import DeskTraining


class DeskPanels:
    """The desk screen's panel actions (mixed into DeskScreen)."""

    if TYPE_CHECKING:
        app: App[Any]
        model: DeskModel
        services: DeskServices
        options: DeskOptions
        t: Translator
        training: DeskTraining
        callback_calls: CallbackCalls
        lookup_cache: LookupCache

        @property
        def active(self) -> CallSession | None: ...
        @property
        def ringing(self) -> CallSession | None: ...
        @property
        def focus_call(self) -> CallSession | None: ...
        @property
        def calls(self) -> dict[str, CallSession]: ...
        @property
        def status(self) -> AgentStatus: ...
        def carry(self, effects: list[Effect]) -> None: ...
        def refresh_view(self) -> None: ...
        def set_state(self, state: AgentStateName, reason: str | None = None) -> None: ...
        def _phone(self) -> Any: ...
        def _command(self, what: str, func: Any, *args: Any) -> None: ...
        def run_worker(self, work: Any, *args: Any, **kwargs: Any) -> Any: ...
        @property
        def username(self) -> str: ...
        @property
        def drafts(self) -> Any: ...
        @property
        def orders(self) -> Any: ...
        def form_changed(self, run: Any, session: CallSession | None) -> None: ...
        def submit_ticket(self, ticket: Any, session: CallSession | None) -> str | None: ...

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
        mode, wanted = choice
        resolve_then(self, wanted, lambda target: self._transfer_to(mode, target))

    def _transfer_to(self, mode: str, target: str) -> None:
        active = self.active
        phone = self.services.phone
        if active is None or phone is None:
            return
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
        resolve_then(self, number, lambda target: self._place_call(phone, number, target, customer, placed))

    def _place_call(self, phone: Any, number: str, target: str, customer: Customer | None,
                    placed: Callable[[str], None] | None) -> None:
        """Dial `target` (the address `number` resolved to) on a thread; the call book keeps `number`."""

        def place() -> None:
            call_id = phone.make_call(target)
            self.app.call_from_thread(self._dialed, call_id, number, customer)
            if placed is not None:
                self.app.call_from_thread(placed, call_id)

        spawn = getattr(self.app, "spawn_thread", None)
        if callable(spawn):
            spawn(place, "dialing")

    def _dialed(self, call_id: str, number: str, customer: Customer | None) -> None:
        self.carry(self.model.dialed(call_id, number, customer))

    def action_call_customer(self) -> None:
        """Click-to-dial: call the card's customer on their first phone number."""
        session = self.focus_call
        customer = session.customer if session else None
        if customer is None or not customer.phones:
            self.app.notify(self.t.t("No customer number to call."), timeout=2)
            return
        self.dial(customer.phones[0], customer)

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
                    self.lookup_cache.pop(session.number)
                    self.refresh_view()

            self.app.push_screen(CreateCustomerScreen(self.services.backend, session.number), created)

    def action_order(self) -> None:
        """Open the work-order screens for the call on the card."""
        from agent_tui.ui.desk.order import OrderPickScreen

        if self.services.screens is None:
            self.app.notify(self.t.t("No work-order screens in this session."), severity="warning")
            return
        self.app.push_screen(OrderPickScreen(self.services.screens, self.focus_call, self))

    def action_return_visits(self) -> None:
        """Return visits due (回访): claim one, call the customer, record the answers."""
        from agent_tui.ui.desk.order_host import OrderHost
        from agent_tui.ui.desk.return_visits_flow import open_return_visits

        if self.active is not None or self.ringing is not None:
            self.app.notify(self.t.t("Finish the call first."), timeout=3)
            return
        node = cast("DOMNode", self)
        open_return_visits(node, cast("OrderHost", self), self.services.screens,
                           lambda number, placed: self.dial(number, placed=placed))

    def action_kb(self) -> None:
        """Search the knowledge base."""
        from agent_tui.ui.desk.kb import KbScreen

        self.app.push_screen(KbScreen(self.services.backend))

    def action_callbacks(self) -> None:
        """Callers waiting for a callback: Enter claims one and calls it back, d closes one held."""
        from agent_tui.ui.desk.callbacks import CallbacksScreen
        from agent_tui.ui.desk.outbound_voicemail import VoicemailPlayer

        voicemails = self.services.voicemails

        def chosen(entry: PendingCallback | None) -> None:
            if entry is not None:
                self.dial(entry.number, placed=lambda call_id: self.callback_calls.placed(call_id, entry.id))

        self.app.push_screen(CallbacksScreen(
            self.services.callbacks, username=self.options.username, close=self.callback_calls.close,
            voicemails=VoicemailPlayer(voicemails) if voicemails is not None else None), chosen)

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

        node = cast("DOMNode", self)
        desk_app(node).spawn(node, pick, "loading the scenarios")

    def action_audio_device(self) -> None:
        """Move the earpiece or the microphone to another sound device (mid-call too)."""
        open_device_picker(self.app, self._phone())

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

    def action_history(self) -> None:
        """This session's calls."""
        from agent_tui.ui.desk.history import HistoryScreen

        self.app.push_screen(HistoryScreen(list(self.calls.values())))

    def action_sip_trace(self) -> None:
        """The SIP messages of the current (or last) call."""
        from agent_tui.ui.desk.sip_trace_panel import open_sip_trace

        open_sip_trace(self.app, self.services.phone, self.focus_call, self.calls, self.t)
