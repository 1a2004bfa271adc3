"""The campaign's script on the desk: the item's screen opened in the form host, bound to its call.

When to open it is the model's rule (`agent_tui.desk.outbound_script`): as soon as the phone placed the
campaign contact's call, once per call, never over a ringing inbound call. The form is the work-order
form host (`FormScreen`) with the call's strip and customer card; it files no order and keeps no draft
(the campaign contact's outcome is the record). When the call ends the script closes (when it is the
screen in front) and its `reached` answer orders the outcome panel that follows.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from agent_tui.desk.calls import CallPhase
from agent_tui.desk.outbound import OutboundDialer, OutboundItem
from agent_tui.desk.outbound_script import OpenScript, reached_by_script, reached_for_outcome, script_to_open
from agent_tui.forms.prefill import PrefillContext
from agent_tui.forms.runner import FormRun
from agent_tui.ui.common.context import desk_app, tr
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.order import CallFacts

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from agent_tui.desk.model import DeskModel
    from agent_tui.ui.desk.campaign_script_screen import CampaignScriptScreen
    from agent_tui.ui.desk.order_host import OrderHost
    from agent_tui.ui.desk.services import ScreenSource

log = logging.getLogger(__name__)


class DeskScript:
    """The script of the dialer's current campaign call: opened once per call, closed when it ends."""

    def __init__(self, node: DOMNode, desk: OrderHost, screens: ScreenSource | None) -> None:
        self.node = node
        self.desk = desk
        self.screens = screens
        self.opened_for: str | None = None
        """The call whose script was opened (each call opens it once)."""
        self.form: CampaignScriptScreen | None = None
        self.loading = False
        """The screens are being loaded for the script."""

    def follow(self, dialer: OutboundDialer, model: DeskModel) -> None:
        """After every desk change: open the script when the rule says so."""
        call_id = dialer.call_id
        session = model.calls.get(call_id) if call_id is not None else None
        decision = script_to_open(dialer, model.ringing_id, session.phase if session else None,
                                  self.opened_for)
        if decision is None or self.screens is None or dialer.item is None:
            return
        self.opened_for, self.form = decision.call_id, None
        item, screens = dialer.item, self.screens
        desk_app(self.node).spawn(self.node, lambda: self._open(decision, item, screens),
                                  "opening the campaign script")

    async def _open(self, decision: OpenScript, item: OutboundItem, screens: ScreenSource) -> None:
        self.loading = True
        try:
            loaded, _problems = await screens.load()
        finally:
            self.loading = False
        screen = next((s for s in loaded if s.id == decision.screen), None)
        app, t = self.node.app, tr(self.node)
        if screen is None:
            log.warning("campaign screen %r not found", decision.screen)
            app.notify(t.t("The campaign's screen {screen} is missing.", screen=clean(decision.screen, 60)),
                       severity="warning", timeout=6)
            return
        session = self.desk.calls.get(decision.call_id)
        if session is None or session.phase is CallPhase.ENDED or self.opened_for != decision.call_id:
            return  # the call ended (its outcome panel is up), or another took its place, while loading
        # The form screen (and with it Textual's TextArea, Select and Input) loads with the first script,
        # not with every desk (issue 11: the desk's start-up CPU; docs/performance.md).
        from agent_tui.ui.desk.campaign_script_screen import CampaignScriptScreen

        context = PrefillContext(customer=session.customer, call=CallFacts(session))
        run = FormRun.start(screen, context, language=t.language, translate=t.t)
        self.form = CampaignScriptScreen(run, self.desk, session, item)
        await app.push_screen(self.form)
        log.info("campaign script %s opened for call %s", decision.screen, decision.call_id)

    def call_ended(self, call_id: str | None, answered: bool) -> bool:
        """The item's call ended: close its script when it is in front; whether the outcome panel should
        treat the customer as reached (the script's `reached` answer overrides a line answered)."""
        form = self.form
        if form is None or call_id is None or self.opened_for != call_id:
            return answered
        if form.is_attached and self.node.app.screen is form:
            self.node.app.pop_screen()
        return reached_for_outcome(answered, reached_by_script(form.run.answers))
