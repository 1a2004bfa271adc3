"""The desk's survey key: send the caller to the keypad satisfaction survey after the goodbye.

The rules (which calls may go, when hanging up sends the caller there by itself) are in
`agent_tui.desk.survey`; this mixin asks the backend for the call's survey token, then turns them into
the phone's blind transfer and the agent's notices. Without a token no transfer is made: the survey could
not store the caller's score, so the agent keeps the call (or, when hanging up sent it, it is hung up).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from agent_tui.desk.survey import (
    TOKEN_WAIT_S,
    may_survey,
    survey_call_id,
    survey_on_hangup,
    survey_transfer,
)

if TYPE_CHECKING:
    from textual.app import App

    from agent_tui.desk.calls import CallSession
    from agent_tui.desk.model import DeskModel
    from agent_tui.i18n import Translator
    from agent_tui.ui.common.options import DeskOptions
    from agent_tui.ui.desk.services import DeskServices

log = logging.getLogger(__name__)

SATISFACTION_REFRESH_S = 60.0
"""How often the desk asks the backend for today's satisfaction: callers score after the call, by
keypad at the survey, so the figure changes without anything happening at the desk."""


class DeskSurvey:
    """The survey actions of the desk screen (mixed into DeskScreen)."""

    if TYPE_CHECKING:
        app: App[Any]
        services: DeskServices
        options: DeskOptions
        t: Translator

        logged_in: bool

        @property
        def active(self) -> CallSession | None: ...
        def _command(self, what: str, func: Any, *args: Any) -> None: ...
        def refresh_view(self) -> None: ...
        def run_worker(self, work: Any, *args: Any, **kwargs: Any) -> Any: ...
        def carry(self, effects: Any) -> None: ...
        model: DeskModel

    satisfaction_avg: float | None = None
    """Today's average keypad score of this agent's calls, from the backend (None: none yet)."""

    async def refresh_satisfaction(self) -> None:
        """Ask the backend for today's satisfaction (the rest of today's figures the desk counts itself)."""
        if not self.logged_in:
            return
        try:
            asking = self.services.backend.get_agent_figures(self.options.username)
            figures = await asyncio.wait_for(asking, 5)
        except Exception as error:  # offline: the figure waits for the next round
            log.info("satisfaction not refreshed: %s", error)
            return
        if figures.today.satisfaction_avg != self.satisfaction_avg:
            self.satisfaction_avg = figures.today.satisfaction_avg
            self.refresh_view()

    def action_survey(self) -> None:
        """Send the caller to the satisfaction survey (a blind transfer carrying the call's id)."""
        active = self.active
        why = may_survey(self.options.survey_uri, active)
        phone = self.services.phone
        if why is None and phone is None:
            why = "No phone in this session."
        if why is not None or active is None or phone is None:
            self.app.notify(self.t.t(why or "No call to send to the survey."), timeout=3)
            return
        self._send_to_survey(active, hang_up_instead=False)

    def survey_instead_of_hangup(self) -> bool:
        """With `[desk] survey_on_hangup`, send the active caller to the survey; True when it did."""
        active = self.active
        if self.services.phone is None or active is None or not survey_on_hangup(
                self.options.survey_uri, self.options.survey_on_hangup, active):
            return False
        self._send_to_survey(active, hang_up_instead=True)
        return True

    def _send_to_survey(self, session: CallSession, *, hang_up_instead: bool) -> None:
        self.run_worker(self._survey(session, hang_up_instead), group="survey", exit_on_error=False)

    async def _survey(self, session: CallSession, hang_up_instead: bool) -> None:
        """Get the call's survey token, then transfer the caller with it."""
        call_id = survey_call_id(session)
        tokens = self.services.survey_tokens
        try:
            if tokens is None:
                raise LookupError("no backend in this session")
            granted = await asyncio.wait_for(tokens.survey_token(call_id), TOKEN_WAIT_S)
        except Exception as error:
            log.warning("no survey token for call %s: %s", call_id, error)
            reason = str(error)[:160] or self.t.t("no answer from the backend")  # a timeout says nothing
            self.app.notify(self.t.t("The caller was not sent to the survey: no survey token ({error}).",
                                     error=reason), timeout=6, markup=False)
            if hang_up_instead and self._still_active(session):
                self.carry(self.model.hang_up())
            return
        phone = self.services.phone
        if phone is None or not self._still_active(session):
            return  # the caller hung up while the desk asked: nobody to send
        # No X-Language: the agent's screen language says nothing of the caller's; the survey's own
        # --language (the hotline's) applies.
        target, headers = survey_transfer(self.options.survey_uri, call_id, granted.token)
        self._command("sending the caller to the survey", phone.blind_transfer, session.call_id, target,
                      headers)
        self.app.notify(self.t.t("Caller sent to the satisfaction survey."), timeout=3)
        self.refresh_view()

    def _still_active(self, session: CallSession) -> bool:
        active = self.active
        return active is not None and active.call_id == session.call_id
