"""The status-query script (查询在办流程) with the order's real status on its result step.

The form runs `screens/status_query.toml` as any other; when it reaches the result step it looks the
order up (the number the caller gave, else their account, else the phone they call from: see
`agent_tui.desk.status_query`), lets the agent choose among several matches by keys, and shows the
order's A–H times and SLA marks above the answers, with "Status told to the caller" preset from them
(the agent may still change it). Nothing here steals a key: the search runs in a worker, and the
choice list opens only when there is a choice to make.

Keys (besides the form's):

| key | id | action |
|---|---|---|
| ctrl+f | form.find_order | search again (or choose again among the matches) |
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Select, Static

from agent_tui.desk.calls import CallSession
from agent_tui.desk.status_query import (
    MARK_LABELS,
    Mark,
    OrderStatusView,
    QueryState,
    SearchTerms,
    StatusQuery,
    search_terms,
)
from agent_tui.forms.runner import FormRun
from agent_tui.i18n import Translator
from agent_tui.sync.errors import BackendRejected, SyncError
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.form import FormScreen

if TYPE_CHECKING:
    from agent_tui.ui.desk.order_host import OrderHost
    from agent_tui.ui.desk.services import OrderDesk

log = logging.getLogger(__name__)

SCREEN_ID = "status_query"
"""The screen this form serves."""
RESULT_STEP = "result"
"""The step that shows the order's status."""
TOLD_FIELD = "status_told"
"""The answer preset from the order's status."""


def status_content(t: Translator, view: OrderStatusView) -> Content:
    """The order as the agent reads it: number and status, A–H times, one mark per segment."""
    status = t.t(view.status.value.replace("_", " ").capitalize())
    parts: list[str | tuple[str, str]] = [
        (t.t("Order {number}: {status}", number=clean(view.number, 32), status=status), "bold"), "\n"]
    if view.points:
        times = [f"{p} {when.astimezone().strftime('%H:%M') if when else '—'}" for p, when in view.points]
        parts.extend(["  ".join(times), "\n"])
    marks: list[str | tuple[str, str]] = []
    for mark in view.marks:
        if marks:
            marks.append(" · ")
        text = f"{mark.segment} {t.t(MARK_LABELS[mark.mark])}"
        marks.append((text, "bold reverse") if mark.mark is Mark.BREACHED else
                     (text, "bold") if mark.mark is Mark.AT_RISK else text)
    parts.extend(marks)
    return Content.assemble(*parts)


class StatusQueryFormScreen(FormScreen):
    """The status-query form; the result step shows the order found and its timeline."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "find_order", "Find order", id="form.find_order", priority=True),
    ]
    DEFAULT_CSS = """
    StatusQueryFormScreen #order-status { height: auto; margin-top: 1; border-left: thick $primary;
        padding-left: 1; }
    """

    def __init__(self, run: FormRun, desk: OrderHost, session: CallSession | None, orders: OrderDesk) -> None:
        super().__init__(run, desk, session)
        self.orders = orders
        self.query_state = StatusQuery()
        """The search and the order found (kept across steps: Back and Next do not search again)."""

    async def show_step(self) -> None:
        """The form's step; on the result step, the order's status above the answers."""
        await super().show_step()
        if self.run.step.id != RESULT_STEP:
            return
        body = self.query_one("#form-body", VerticalScroll)
        await body.mount(Static("", id="order-status"), before=0)
        terms = self._terms()
        state = self.query_state
        if state.state in (QueryState.IDLE, QueryState.FAILED) or terms != state.terms:
            self._search(terms)
        else:
            self._paint_status()

    def _terms(self) -> SearchTerms | None:
        phone = self.session.number if self.session is not None else None
        return search_terms(self.run.value("order_number"), self.run.value("account"), phone)

    def action_find_order(self) -> None:
        """Search again (the caller gave another number), or choose again among several matches."""
        if self.query_state.state is QueryState.FOUND and len(self.query_state.matches) > 1:
            self._choose()
            return
        self._search(self._terms())

    # ---- the search -------------------------------------------------------------------------

    def _search(self, terms: SearchTerms | None) -> None:
        state = self.query_state
        if not state.search(terms):
            self._paint_status()
            return
        self._paint_status()
        orders = self.orders

        async def find() -> None:
            try:
                found = await orders.find_orders(number=terms.number if terms else None,
                                                 phone=terms.phone if terms else None,
                                                 account=terms.account if terms else None)
            except SyncError as error:
                state.failed(self._reason(error))
                self._paint_status()
                return
            number = state.found(found)
            self._paint_status()
            if number is not None:
                await self._load(number)
            elif state.state is QueryState.SEVERAL:
                self._choose()

        desk_app(self).spawn(self, find, "finding the order", group="order-search", exclusive=True)

    def _choose(self) -> None:
        from agent_tui.ui.desk.status_query_choice import OrderChoiceScreen

        def chosen(index: int | None) -> None:
            number = self.query_state.choose(index) if index is not None else None
            if number is None:
                return
            self._paint_status()
            desk_app(self).spawn(self, lambda: self._load(number), "reading the order's status",
                                 group="order-search", exclusive=True)

        self.app.push_screen(OrderChoiceScreen(self.query_state.matches), chosen)

    async def _load(self, number: str) -> None:
        state = self.query_state
        try:
            timeline = await self.orders.timeline(number)
        except SyncError as error:
            state.failed(self._reason(error))
            self._paint_status()
            return
        state.loaded(timeline)
        self._paint_status()
        self._preset_told()

    def _reason(self, error: SyncError) -> str:
        if isinstance(error, BackendRejected) and error.status == 404:
            return self.t.t("No such order.")
        log.info("status query failed: %s", error)
        return self.t.t("The backend did not answer: {error}", error=clean(str(error), 120))

    def _preset_told(self) -> None:
        """Preset "Status told to the caller" from the order (an answer the agent gave is kept)."""
        told = self.query_state.told
        if told is None or self.run.value(TOLD_FIELD) is not None:
            return
        for select in self.query(f"#field-{TOLD_FIELD}"):
            if isinstance(select, Select):
                select.value = told  # its Changed message sets the answer, as a choice by hand does
                return
        self.run.set(TOLD_FIELD, told)

    # ---- drawing ----------------------------------------------------------------------------

    def _paint_status(self) -> None:
        shown = self.query("#order-status")
        if not shown:
            return
        widget = shown.first()
        if not isinstance(widget, Static):
            return
        state, t = self.query_state, self.t
        hint = t.t("ctrl+f searches again.")
        if state.state is QueryState.FOUND and state.view is not None:
            more = len(state.matches) > 1
            content = status_content(t, state.view)
            note = t.t("ctrl+f chooses another of the {count} orders found.", count=len(state.matches)) \
                if more else hint
            widget.update(Content.assemble(content, "\n", (note, "italic")))
            return
        text = {
            QueryState.SEARCHING: t.t("Looking the order up…"),
            QueryState.LOADING: t.t("Reading the order's status…"),
            QueryState.SEVERAL: t.t("Several orders found: choose the caller's."),
            QueryState.NOT_FOUND: t.t("No order found for this number, account or phone."),
            QueryState.FAILED: t.t("Order not read: {reason}", reason=state.error),
            QueryState.IDLE: "",
        }[state.state]
        widget.update(Content.assemble((text, "bold"), "\n", (hint, "italic")))
        if state.state is QueryState.NOT_FOUND:
            self._preset_told()


def form_screen(run: FormRun, desk: OrderHost, session: CallSession | None) -> FormScreen:
    """The form screen for `run`: the status query's own when its screen is run and orders can be read."""
    orders = desk.orders
    if run.screen.id == SCREEN_ID and orders is not None:
        return StatusQueryFormScreen(run, desk, session, orders)
    return FormScreen(run, desk, session)
