"""The desk's wrap-up actions: open the wrap-up of the last call, save it, close its panel on a ring.

A mixin of `DeskScreen` (desk.py): the desk model keeps the wrap-up's values and rules (ACW time,
what a ring does); the screen shows the panel and carries out the model's effects (`carry`).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from agent_tui.desk.calls import CallPhase

if TYPE_CHECKING:
    from textual.app import App

    from agent_tui.desk.calls import CallSession
    from agent_tui.desk.effects import Effect
    from agent_tui.desk.model import DeskModel
    from agent_tui.i18n import Translator
    from agent_tui.ui.desk.wrapup import WrapUp


class DeskWrapUp:
    """The desk screen's wrap-up actions (mixed into DeskScreen)."""

    if TYPE_CHECKING:
        app: App[Any]
        model: DeskModel
        t: Translator

        @property
        def ringing(self) -> CallSession | None: ...
        def carry(self, effects: list[Effect]) -> None: ...

    def _close_wrapup_panel(self) -> None:
        """A ring or a saved wrap-up closes the wrap-up panel (the model keeps what was typed)."""
        # Every ring asks. Until a wrap-up has been opened its module (and Textual's TextArea with it,
        # ~8 ms) is not loaded, and no panel of it can be on screen: importing it here made the
        # session's first screen pop the slowest (issue 11).
        if "agent_tui.ui.desk.wrapup" not in sys.modules:
            return
        from agent_tui.ui.desk.wrapup import WrapUpScreen

        screen = self.app.screen
        if isinstance(screen, WrapUpScreen):
            screen.close()

    def action_wrapup(self) -> None:
        """Wrap up the last finished call (or the active one, noting it early)."""
        from agent_tui.ui.desk.wrapup import WrapUpScreen

        session = self.model.wrapup_call()
        if session is None:
            self.app.notify(self.t.t("No call to wrap up."), timeout=2)
            return
        if self.ringing is not None and session.phase is CallPhase.ENDED:
            self.app.notify(self.t.t("A call is ringing: answer it or let it go first."), timeout=3)
            return
        call_id = session.call_id
        self.carry(self.model.open_wrapup(call_id))

        def done(result: WrapUp | None) -> None:
            if result is None:
                self.carry(self.model.cancel_wrapup(call_id))
            else:
                self.finish_wrapup(session, result)

        left = self.model.acw_left_s()
        deadline = time.monotonic() + left if left is not None and session.phase is CallPhase.ENDED else None
        self.app.push_screen(WrapUpScreen(session, deadline, self.model.wrapup_values(call_id),
                                          lambda values: self.carry(self.model.edit_wrapup(call_id, values))),
                             done)

    def finish_wrapup(self, session: CallSession, result: WrapUp) -> None:
        """Save the wrap-up: the model sends the call record, counts the call and ends after-call work."""
        self.carry(self.model.save_wrapup(session.call_id, result))
