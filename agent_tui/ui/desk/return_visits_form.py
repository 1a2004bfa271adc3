"""The return-visit script (`screens/return_visit.toml`), whose end records the visit instead of an order.

ctrl+s on an end step sends the answers: a customer reached gives the opinion (`POST
/v1/return-visits/{id}/result`, which closes the order or reopens it), one not reached counts an
attempt (`.../attempts`). When the backend does not take it, the form stays as it is with the reason
on its status line, and ctrl+s tries again: nothing typed is lost. No draft is kept (a return visit is
claimed by the agent and listed again until it is recorded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.actions import SkipAction
from textual.widgets import Static

from agent_tui.desk.calls import CallSession
from agent_tui.desk.return_visits import AnswersIncomplete, Unreached, outcome
from agent_tui.domain.return_visits import ReturnVisitItem
from agent_tui.domain.screen import StepKind
from agent_tui.forms.runner import FormRun
from agent_tui.sync.errors import SyncError
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.key_order import settle_keys
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.desk_overlays import DeskConfirmScreen
from agent_tui.ui.desk.form import FormScreen, _in_open_list

if TYPE_CHECKING:
    from agent_tui.ui.desk.order_host import OrderHost
    from agent_tui.ui.desk.services import OrderDesk


class ReturnVisitFormScreen(FormScreen):
    """The return-visit form of one claimed visit."""

    def __init__(self, run: FormRun, desk: OrderHost, visit: ReturnVisitItem, orders: OrderDesk) -> None:
        super().__init__(run, desk, None)
        self.visit = visit
        self.orders = orders
        self.sending = False
        self.recorded = False

    def attach_call(self, session: CallSession | None) -> None:
        """The call placed to the customer: the form's customer card follows it."""
        self.session = session
        if self.is_attached:
            self._paint_card()

    async def show_step(self) -> None:
        """The step, with the order in the title; an end step says ctrl+s records the visit."""
        await super().show_step()
        title = self.query_one("#form-title", Static)
        title.update(f"{self.t.t('Return visit')} {clean(self.visit.number, 32)} · "
                     f"{clean(self.visit.customer_name or self.visit.phone or '', 40)}")
        if self.run.step.kind == StepKind.END:
            for end in self.query("#form-end"):
                if isinstance(end, Static):
                    end.update(self.t.t("Press ctrl+s to record the return visit."))

    def _save(self) -> None:
        """No draft: the claimed visit stays on the list until it is recorded."""

    async def action_submit(self) -> None:
        """Send the answers: the opinion, or an attempt when the customer was not reached."""
        await settle_keys(self)
        if self.sending or self.recorded:
            return
        if not self.run.complete:
            self._status(self.t.t("Finish the steps first (ctrl+right)."))
            return
        try:
            answer = outcome(self.run.answers)
        except AnswersIncomplete as error:
            self._status(self.t.t("Not recorded: {reason}", reason=clean(str(error), 120)))
            return
        self.sending = True
        self._status(self.t.t("Recording the return visit…"))
        visit_id, orders = self.visit.id, self.orders

        async def send() -> None:
            try:
                if isinstance(answer, Unreached):
                    done = await orders.visit_unreachable(visit_id, answer.note)
                else:
                    done = await orders.visit_result(visit_id, answer)
            except SyncError as error:
                self._status(self.t.t("Not recorded: {reason}. ctrl+s tries again.",
                                      reason=clean(str(error), 120)))
                return
            finally:
                self.sending = False
            self.recorded = True
            if isinstance(answer, Unreached):
                text = self.t.t("Return visit {number}: not reached, tried again later.", number=done.number)
            elif answer.resolved:
                text = self.t.t("Return visit {number} recorded: the order is closed.", number=done.number)
            else:
                text = self.t.t("Return visit {number} recorded: the order is reopened.", number=done.number)
            self.app.notify(text, timeout=5)
            self._close()

        desk_app(self).spawn(self, send, "recording the return visit")

    async def action_close(self) -> None:
        """Back to the desk; asks first when the visit is not recorded (it stays claimed, on the list)."""
        if _in_open_list(self.focused):
            raise SkipAction()  # Escape closes the open list of a choice field
        await settle_keys(self)
        if self.recorded or self.run.revision == 0:
            self._close()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self._close()

        t = self.t.t
        self.app.push_screen(DeskConfirmScreen(t("Leave without recording the return visit? It stays on your "
                                             "list."), yes=t("Leave (y)"), no=t("Stay (n)")), answered)
