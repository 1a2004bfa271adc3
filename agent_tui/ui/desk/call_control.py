"""The desk's call-control keys: answer, reject, hang up (one key pressed twice), hold, mute, Ready.

A mixin of `DeskScreen` (desk.py) kept apart so the screen stays readable: each action asks the desk
model, and the screen carries out the effects it returns (`carry`); the phone commands the model asks
for end here, on the phone, with any failure reported by the App.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from agent_tui.desk.effects import Effect, PhoneCommand
from agent_tui.domain.agent import AgentStateName
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.desk.second_press import SECOND_PRESS_WINDOW_S

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

    from agent_tui.desk.calls import CallSession
    from agent_tui.desk.model import DeskModel
    from agent_tui.desk.stats import AgentStatus
    from agent_tui.i18n import Translator
    from agent_tui.ui.common.options import DeskOptions
    from agent_tui.ui.desk.second_press import SecondPress
    from agent_tui.ui.desk.services import DeskServices


class DeskCallControl:
    """The desk screen's call-control actions (mixed into DeskScreen)."""

    if TYPE_CHECKING:
        app: App[Any]
        model: DeskModel
        services: DeskServices
        options: DeskOptions
        t: Translator
        reasons: list[str]
        hangup_key: SecondPress

        @property
        def active(self) -> CallSession | None: ...
        @property
        def ringing(self) -> CallSession | None: ...
        @property
        def status(self) -> AgentStatus: ...
        def carry(self, effects: list[Effect]) -> None: ...
        def survey_instead_of_hangup(self) -> bool: ...

    def _phone_command(self, effect: PhoneCommand) -> None:
        phone = self._phone()
        if phone is None:
            return
        what, func, args = {
            "answer": ("answering", phone.answer, ()),
            "hangup": ("hanging up", phone.hangup, ()),
            "reject": ("rejecting the call", phone.reject, ()),
            "hold": ("putting the call on hold", phone.hold, ()),
            "resume": ("resuming the call", phone.resume, ()),
            "mute": ("muting", phone.mute, (bool(effect.arg),)),
        }[effect.command]
        self._command(what, func, effect.call_id, *args)

    def _phone(self) -> Any:
        phone = self.services.phone
        if phone is None:
            self.app.notify(self.t.t("No phone in this session."), severity="warning")
        return phone

    def _command(self, what: str, func: Any, *args: Any) -> None:
        try:
            func(*args)
        except Exception as error:
            desk_app(cast("DOMNode", self)).report_error(error, what)

    def action_answer(self) -> None:
        """Answer the ringing call (a call in progress is put on hold first)."""
        self.carry(self.model.answer())

    def action_reject(self) -> None:
        """Refuse the ringing call."""
        self.carry(self.model.reject())

    def action_hangup(self) -> None:
        """Hang up the active call (or reject the ringing one when nothing else is up); with
        `[desk] survey_on_hangup` a customer's call goes to the satisfaction survey instead."""
        if self.survey_instead_of_hangup():
            return
        self.carry(self.model.hang_up())

    def action_hangup_key(self) -> None:
        """One-key hang-up: the first press asks for a second one within SECOND_PRESS_WINDOW_S."""
        if self.active is None and self.ringing is None:
            self.hangup_key.reset()
            return
        target = self.active or self.ringing  # the call hang_up() would end
        if self.hangup_key.press(time.monotonic(), target.call_id if target is not None else None):
            self.action_hangup()
            return
        key = self.options.keymap.get("key.hangup", "x").split(",")[0].strip() or "x"
        self.app.notify(self.t.t("Press {key} again to hang up.", key=key), timeout=SECOND_PRESS_WINDOW_S)

    def action_hold(self) -> None:
        """Put the active call on hold, or take it off hold."""
        self.carry(self.model.toggle_hold())

    def action_mute(self) -> None:
        """Mute or unmute the agent's microphone on the active call."""
        self.carry(self.model.toggle_mute())

    def ready_key_asks_reason(self) -> bool:
        """Whether F2 now means Not Ready (it asks why) rather than Ready."""
        asks = (AgentStateName.READY, AgentStateName.RINGING, AgentStateName.ON_CALL)
        return self.status.state in asks and self.model.next_state is None

    def action_ready(self) -> None:
        """Ready, or (when Ready) Not Ready with a reason; during a call it applies after the call."""
        from agent_tui.ui.desk.desk_overlays import DeskReasonScreen

        def chosen(reason: str | None) -> None:
            if reason:
                self.carry(self.model.set_not_ready(reason))

        if self.ready_key_asks_reason():
            self.app.push_screen(DeskReasonScreen(self.reasons), chosen)
        else:
            self.carry(self.model.set_ready())
