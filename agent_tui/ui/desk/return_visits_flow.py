"""From the return-visit list to the recorded visit: claim, dial the customer, run the return-visit form.

The desk's key (ctrl+w / v, "Return visits" in the palette) lands here. The call goes out on the desk's
ordinary outbound path (the call strip shows it and the call keys work over the form); the form opens
at once, so the agent reads the greeting as the customer answers, and answers "not reached" when
nobody does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agent_tui.desk.return_visits import SCREEN_ID
from agent_tui.domain.return_visits import ReturnVisitItem
from agent_tui.forms.runner import FormRun
from agent_tui.ui.common.context import desk_app, tr

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

    from agent_tui.ui.desk.order_host import OrderHost
    from agent_tui.ui.desk.return_visits_form import ReturnVisitFormScreen
    from agent_tui.ui.desk.services import OrderDesk, ScreenSource


class VisitCall:
    """The call placed for a return visit and the visit's form, joined whichever comes first: the form's
    call strip and customer card then follow that call."""

    def __init__(self, desk: OrderHost) -> None:
        self.desk = desk
        self.call_id: str | None = None
        self.form: ReturnVisitFormScreen | None = None

    def placed(self, call_id: str) -> None:
        """The phone placed the call."""
        self.call_id = call_id
        self._join()

    def opened(self, form: ReturnVisitFormScreen) -> None:
        """The form is open."""
        self.form = form
        self._join()

    def _join(self) -> None:
        if self.form is not None and self.call_id is not None:
            self.form.attach_call(self.desk.calls.get(self.call_id))


def open_return_visits(node: DOMNode, desk: OrderHost, screens: ScreenSource | None,
                       dial: Callable[[str, Callable[[str], None]], None]) -> None:
    """Show the list of visits due; the one chosen is claimed, its customer called, its form opened."""
    from agent_tui.ui.desk.return_visits import ReturnVisitsScreen

    app: App[Any] = node.app
    t = tr(node)
    orders = desk.orders
    if orders is None or screens is None:
        app.notify(t.t("Return visits need the backend."), severity="warning", timeout=4)
        return

    def chosen(visit: ReturnVisitItem | None) -> None:
        if visit is None:
            return
        call = VisitCall(desk)
        if visit.phone:
            dial(visit.phone, call.placed)
        else:
            app.notify(t.t("No number to call: record the visit as not reached."), severity="warning",
                       timeout=5)
        desk_app(node).spawn(node, lambda: _open_form(node, desk, screens, orders, visit, call),
                             "opening the return-visit screen")

    app.push_screen(ReturnVisitsScreen(orders, desk.username), chosen)


async def _open_form(node: DOMNode, desk: OrderHost, screens: ScreenSource, orders: OrderDesk,
                     visit: ReturnVisitItem, call: VisitCall) -> None:
    from agent_tui.ui.desk.return_visits_form import ReturnVisitFormScreen

    t = tr(node)
    loaded, _problems = await screens.load()
    screen = next((s for s in loaded if s.id == SCREEN_ID), None)
    if screen is None:
        node.app.notify(t.t("The return-visit screen is missing."), severity="error", timeout=6)
        return
    run = FormRun.start(screen, language=t.language, translate=t.t)
    form = ReturnVisitFormScreen(run, desk, visit, orders)
    await node.app.push_screen(form)
    call.opened(form)
