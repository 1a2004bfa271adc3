"""The campaign script's form screen: the work-order form host, filing no order and keeping no draft.

Opened by `agent_tui.ui.desk.outbound_script.DeskScript` (which says when); a module of its own so
that a desk loads the form screen with its first script, not at start (issue 11).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.actions import SkipAction
from textual.widgets import Static

from agent_tui.desk.outbound import OutboundItem
from agent_tui.domain.screen import StepKind
from agent_tui.forms.runner import FormRun
from agent_tui.ui.common.key_order import settle_keys
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.form import FormScreen, _in_open_list

if TYPE_CHECKING:
    from agent_tui.desk.calls import CallSession
    from agent_tui.ui.desk.order_host import OrderHost


class CampaignScriptScreen(FormScreen):
    """One campaign call's script: read aloud, answers noted, no order filed, no draft kept."""

    def __init__(self, run: FormRun, desk: OrderHost, session: CallSession | None,
                 item: OutboundItem) -> None:
        super().__init__(run, desk, session)
        self.item = item

    async def show_step(self) -> None:
        """The step, with the customer in the title; an end step says what comes next."""
        await super().show_step()
        name = clean(self.item.name or self.item.number, 40)
        self.query_one("#form-title", Static).update(f"{self.t.pick(self.run.screen.title)} · {name}")
        if self.run.step.kind == StepKind.END:
            for end in self.query("#form-end"):
                if isinstance(end, Static):
                    end.update(self.t.t("The call's outcome is asked when the call ends. Escape returns "
                                        "to the desk."))

    def _save(self) -> None:
        """No draft: the campaign contact's outcome is the record of this call."""

    async def action_close(self) -> None:
        """Back to the desk at once (nothing is lost: the answers only order the outcome panel)."""
        if _in_open_list(self.focused):
            raise SkipAction()  # Escape closes the open list of a choice field
        await settle_keys(self)
        self._close()
