"""The supervisor's orders panel: open orders at risk and breached, the timeline, the complaint loop.

Opened from the wallboard with ctrl+g. It is filled from `GET /v1/order-alerts?open=true` when it opens
(and when the feed comes back after a gap), and live from the wallboard's feed in between
(`OrdersSink`); the state is the plain `OrdersModel`.

| key | id | action |
|---|---|---|
| enter / f3 | orders.timeline | the selected order's timeline (A–H times, SLA marks, alerts) |
| f2 | orders.filter | all / at risk / breached / open complaints |
| f4 | orders.assign | assign the complaint to a department |
| f5 | orders.handle | record the complaint handled |
| f6 | orders.inform | record that the customer was told |
| f7 | orders.close | close the complaint |
| f8 | orders.reload | load the list again |
| escape | orders.back | back to the wallboard |
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agent_tui.domain.complaints import ComplaintStep, ComplaintStepBody
from agent_tui.domain.events import Event
from agent_tui.domain.sla import OrderAlertLevel
from agent_tui.domain.supervision import WallboardSnapshot
from agent_tui.sync.supervision import WallboardSink
from agent_tui.ui.common.bindings import localize_bindings
from agent_tui.ui.common.context import tr
from agent_tui.ui.common.text import clean
from agent_tui.ui.monitor.link_label import stale_label
from agent_tui.ui.monitor.orders_model import (
    FILTER_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
    OrderRow,
    OrdersApi,
    OrdersFilter,
    OrdersModel,
    local_time,
    summary_text,
)
from agent_tui.ui.monitor.orders_timeline import OrderTimelineScreen
from agent_tui.ui.monitor.prompts import TextPrompt

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("raised", "Raised", 8), ("number", "Order no.", 16), ("segment", "Segment", 8), ("level", "Level", 10),
    ("due", "Due", 8), ("status", "Status", 14), ("next", "Next step", 16),
)
"""(column key, heading, width); the table scrolls sideways on a narrow terminal."""


class OrdersChanged(Message):
    """The model changed (a live event); frequent ones replace those still queued."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, OrdersChanged)


class OrdersSink:
    """Wraps the wallboard's sink: every event also goes to the orders model; a new snapshot (the feed
    came back after a gap) makes the panel load the list again."""

    def __init__(self, inner: WallboardSink, model: OrdersModel, screen: OrdersScreen) -> None:
        self.inner = inner
        self.model = model
        self.screen = screen

    def snapshot(self, snapshot: WallboardSnapshot) -> None:
        """A whole wallboard: alerts may have been missed, so the list is loaded again when shown."""
        self.inner.snapshot(snapshot)
        self.model.loaded = False
        self.screen.post_message(OrdersChanged())

    def event(self, event: Event) -> None:
        """One live event, to both."""
        self.inner.event(event)
        if self.model.apply_event(event):
            self.screen.post_message(OrdersChanged())

    def link(self, stale_since: datetime | None, detail: str) -> None:
        """Live or stale: the wallboard shows it, and so does the panel, which hides the wallboard."""
        self.inner.link(stale_since, detail)
        self.screen.post_message(OrdersLink(stale_since))


class OrdersLink(Message):
    """The feed's link changed: live (`stale_since` None) or stale since then."""

    def __init__(self, stale_since: datetime | None) -> None:
        super().__init__()
        self.stale_since = stale_since


class OrdersScreen(Screen[None]):
    """Escalated open orders, newest first, and the complaint loop."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "filter", "Which orders", id="orders.filter"),
        Binding("f3", "timeline", "Timeline", id="orders.timeline"),
        Binding("f4", "step('assign')", "Assign", id="orders.assign"),
        Binding("f5", "step('handle')", "Handled", id="orders.handle"),
        Binding("f6", "step('inform')", "Customer told", id="orders.inform"),
        Binding("f7", "step('close')", "Close complaint", id="orders.close"),
        Binding("f8", "reload", "Reload", show=False, id="orders.reload"),
        Binding("escape", "back", "Back", id="orders.back"),
    ]
    DEFAULT_CSS = """
    OrdersScreen #ord-title { text-style: bold reverse; padding: 0 1; height: 1; }
    OrdersScreen #ord-title.stale { background: $error; color: $background; }
    OrdersScreen #ord-summary { height: auto; max-height: 3; padding: 0 1; }
    OrdersScreen #ord-table { height: 1fr; }
    OrdersScreen #ord-status { height: auto; max-height: 3; padding: 0 1; }
    """

    def __init__(self, model: OrdersModel, api: OrdersApi) -> None:
        super().__init__(id="orders")
        self.model = model
        self.api = api
        self.t = tr(self)
        self.shown: list[OrderRow] = []
        """The rows in the table now, top to bottom (tests read them)."""
        self.message = ""
        """The last line said to the supervisor (tests read it)."""
        self.stale_since: datetime | None = None
        """Since when the feed is down (None: live); the list shown may be out of date meanwhile."""
        self.fetching = False
        """A load from the backend is under way (a second one is not started for a gap meanwhile)."""
        single = bool(getattr(getattr(self.app, "options", None), "single_key_shortcuts", True))
        localize_bindings(self, self.t, single_keys=single)

    # ---- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="ord-title", markup=False)
        yield Static("", id="ord-summary", markup=False)
        yield DataTable(id="ord-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="ord-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Columns; the list comes from the backend when the screen shows (`on_screen_resume`)."""
        table = self.query_one("#ord-table", DataTable)
        for key, label, width in COLUMNS:
            table.add_column(self.t.t(label), key=key, width=width)
        self._say(self.t.t("enter: timeline · f2: at risk / breached / complaints / all · f4–f7: the "
                           "complaint loop"))
        self.show()
        table.focus()

    def on_screen_resume(self) -> None:
        """Shown (first, back from a pop-up or from the wallboard): load if never loaded or the feed had
        a gap meanwhile; live events keep it fresh otherwise."""
        if not self.model.loaded and not self.fetching:
            self.action_reload()

    def on_orders_changed(self, _message: OrdersChanged) -> None:
        """A live change: repaint (load again after a gap, when shown)."""
        if not self.model.loaded and not self.fetching and self.is_current:
            self.action_reload()
        self.show()

    def on_orders_link(self, message: OrdersLink) -> None:
        """The feed went down or came back: say so in the title (the wallboard's marker is hidden)."""
        self.stale_since = message.stale_since
        self.show()

    # ---- painting -------------------------------------------------------------------------

    def show(self) -> None:
        """Title, by-segment line and table from the model; the cursor stays on its order."""
        t = self.t.t
        title = f"{t('Orders at risk and breached')} · {t(FILTER_LABELS[self.model.filter])}"
        if self.stale_since is not None:
            title = f"{title} · {stale_label(self.stale_since, t)}"
        heading = self.query_one("#ord-title", Static)
        heading.set_class(self.stale_since is not None, "stale")
        heading.update(title)
        self.query_one("#ord-summary", Static).update(summary_text(self.model, self.t))
        table = self.query_one("#ord-table", DataTable)
        selected = self.selected()
        table.clear()
        self.shown = self.model.visible()
        for row in self.shown:
            level = Text(t(LEVEL_LABELS[row.level]) if row.level is not None else "",
                         style="bold reverse" if row.level == OrderAlertLevel.BREACHED else "bold")
            step = row.next_step
            table.add_row(
                Text(local_time(row.raised_at)), Text(clean(row.number, 32)), Text(clean(row.segment, 20)),
                level,
                Text(local_time(row.due_at)), Text(t(STATUS_LABELS[row.status])),
                Text(t(STEP_LABELS[step]) if step is not None else ""),
                key=f"{row.number}|{row.segment}")
        if selected is not None:
            for index, row in enumerate(self.shown):
                if (row.number, row.segment) == (selected.number, selected.segment):
                    table.move_cursor(row=index)
                    break

    def selected(self) -> OrderRow | None:
        """The row under the cursor."""
        table = self.query_one("#ord-table", DataTable)
        index = table.cursor_row
        return self.shown[index] if 0 <= index < len(self.shown) else None

    def _say(self, text: str) -> None:
        self.message = text
        self.query_one("#ord-status", Static).update(text)

    def _spawn(self, work: object, what: str) -> None:
        spawn = getattr(self.app, "spawn", None)
        if spawn is not None:
            spawn(self, work, what)

    # ---- actions --------------------------------------------------------------------------

    def action_reload(self) -> None:
        """Load the open orders' alerts from the backend (and the open complaints, in that view)."""
        complaints = self.model.filter == OrdersFilter.COMPLAINTS

        async def work() -> None:
            try:
                alerts = await self.api.open_alerts()
                if complaints:
                    self.model.load_complaints(await self.api.open_complaints())
                self.model.load(alerts)
            finally:
                self.fetching = False
            self.show()

        self.fetching = True
        self._spawn(work, "loading the orders at risk")

    def action_filter(self) -> None:
        """All → at risk → breached → open complaints (loaded afresh) → all."""
        if self.model.cycle_filter() == OrdersFilter.COMPLAINTS:
            self.action_reload()
        self.show()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        """Enter on a row: its timeline."""
        self.action_timeline()

    def action_timeline(self) -> None:
        """The selected order's timeline, in a panel."""
        row = self.selected()
        if row is None:
            self._say(self.t.t("No order selected."))
            return
        self.app.push_screen(OrderTimelineScreen(self.api, row.number))

    def action_step(self, name: str) -> None:
        """One step of the complaint loop on the selected order, after asking for its text."""
        t = self.t.t
        step = ComplaintStep(name)
        row = self.selected()
        if row is None:
            self._say(t("No order selected."))
            return
        if not row.complaint:
            self._say(t("{number} is not a complaint: only complaints are worked from here.",
                        number=row.number))
            return
        if row.next_step != step:
            self._say(t("{number} is {status}: the next step is {step}.", number=row.number,
                        status=t(STATUS_LABELS[row.status]),
                        step=t(STEP_LABELS[row.next_step]) if row.next_step else t("none")))
            return
        if step == ComplaintStep.ASSIGN:
            prompt = TextPrompt(t("Assign {number} to which department?", number=row.number), t("Department"))
        else:
            prompt = TextPrompt(t("{step}: {number} — what was done?", step=t(STEP_LABELS[step]),
                                  number=row.number), t("Note for the timeline"))

        def answered(text: str | None) -> None:
            if text:
                self._take(row.number, step, text)

        self.app.push_screen(prompt, answered)

    def _take(self, number: str, step: ComplaintStep, text: str) -> None:
        body = (ComplaintStepBody(department=text) if step == ComplaintStep.ASSIGN
                else ComplaintStepBody(note=text))

        async def work() -> None:
            ticket = await self.api.complaint_step(number, step, body)
            self.model.moved(ticket)
            self.show()
            status = self.t.t(STATUS_LABELS[ticket.status])
            self._say(self.t.t("{number}: {status}", number=number, status=status))

        self._spawn(work, "working the complaint")

    def action_back(self) -> None:
        """Back to the wallboard."""
        self.app.pop_screen()
