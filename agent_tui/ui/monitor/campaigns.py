"""Outbound campaigns: the list with live progress, a new campaign from a filter or a CSV file, start,
pause and finish. Behaviour lives in `campaigns_model`; this screen draws it.

| key | id | action |
|---|---|---|
| f2 | campaigns.create | make a campaign from the fields (a draft) |
| f3 | campaigns.start | start or resume the selected campaign |
| f4 | campaigns.pause | pause it |
| f6 | campaigns.finish | finish it for good |
| f5 | campaigns.refresh | load the list again now |
| escape | campaigns.back | back to the wallboard |
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from agent_tui.domain.campaigns import Campaign
from agent_tui.ui.common.bindings import localize_bindings
from agent_tui.ui.common.context import tr
from agent_tui.ui.common.text import clean
from agent_tui.ui.monitor.campaigns_model import (
    CampaignAdmin,
    CampaignForm,
    CampaignsModel,
    Problem,
    draft,
    outcome_counts,
    progress,
    state_key,
)
from agent_tui.ui.monitor.link_label import stale_label

REFRESH_S = 2.0
"""How often the open panel asks for fresh progress (one small read; supervisors watch it fill)."""
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("name", "Campaign", 22), ("state", "State", 9), ("progress", "Done", 17), ("calling", "Calling", 7),
    ("dnc", "DNC", 6), ("outcomes", "Outcomes", 40),
)
STATE_LABELS = {"draft": "draft", "running": "running", "paused": "paused", "done": "done",
                "off hours": "off hours"}


class CampaignsScreen(Screen[None]):
    """Campaigns for supervisors."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "create", "New campaign", id="campaigns.create"),
        Binding("f3", "move('start')", "Start", id="campaigns.start"),
        Binding("f4", "move('pause')", "Pause", id="campaigns.pause"),
        Binding("f6", "move('finish')", "Finish", id="campaigns.finish"),
        Binding("f5", "refresh", "Refresh", show=False, id="campaigns.refresh"),
        Binding("escape", "back", "Back", id="campaigns.back"),
    ]
    DEFAULT_CSS = """
    CampaignsScreen #cmp-title { text-style: bold reverse; padding: 0 1; }
    CampaignsScreen #cmp-why { height: auto; padding: 0 1; text-style: italic; }
    CampaignsScreen #cmp-why.-none { display: none; }
    CampaignsScreen #cmp-title.stale { background: $error; color: $background; }
    CampaignsScreen #cmp-table { height: 1fr; }
    CampaignsScreen .cmp-form { height: auto; }
    CampaignsScreen .cmp-form Input { width: 1fr; }
    CampaignsScreen #cmp-status { height: auto; max-height: 3; }
    """

    def __init__(self, api: CampaignAdmin, read: Callable[[Path], bytes] | None = None) -> None:
        super().__init__(id="campaigns")
        self.api = api
        self.read = read or (lambda path: path.read_bytes())
        self.model = CampaignsModel()
        self.t = tr(self)
        self._timer: Timer | None = None
        single = bool(getattr(getattr(self.app, "options", None), "single_key_shortcuts", True))
        localize_bindings(self, self.t, single_keys=single)

    def compose(self) -> ComposeResult:
        t = self.t.t
        yield Static(t("Campaigns"), id="cmp-title", markup=False)
        yield Static(t("Loading campaigns…"), id="cmp-why", markup=False)
        yield DataTable(id="cmp-table", cursor_type="row")
        with Horizontal(classes="cmp-form"):
            yield Input(placeholder=t("Campaign name"), id="cmp-name", max_length=200)
            yield Input(placeholder=t("Screen (outage_notice)"), id="cmp-screen", max_length=64)
            yield Input(placeholder=t("Agents (agent01 agent02)"), id="cmp-agents", max_length=2000)
        with Horizontal(classes="cmp-form"):
            yield Input(placeholder=t("Filter (area=… tier=gold arrears limit=50) or a .csv path"),
                        id="cmp-source", max_length=500)
            yield Input(placeholder=t("Hours (09:00-12:00 14:00-20:00)"), id="cmp-hours", max_length=100)
        yield Static(t("f2 new · f3 start · f4 pause · f6 finish · escape back"), id="cmp-status",
                     markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Columns, the list, and a refresh every few seconds while the panel is open."""
        t = self.t.t
        table = self.query_one("#cmp-table", DataTable)
        for key, label, width in COLUMNS:
            table.add_column(t(label), key=key, width=width)
        self.action_refresh()
        self._timer = self.set_interval(REFRESH_S, self.action_refresh)

    def on_unmount(self) -> None:
        """No refresh once closed."""
        if self._timer is not None:
            self._timer.stop()

    def _spawn(self, work: object, what: str) -> None:
        spawn = getattr(self.app, "spawn", None)
        if spawn is not None:
            spawn(self, work, what)

    def _say(self, problems: list[Problem]) -> None:
        t = self.t.t
        # A CSV line's problem is a fixed text of its own: translated before it fills the message.
        text = " · ".join(t(key, **{k: t(str(v)) if k == "problem" else v for k, v in values.items()})
                          for key, values in problems)
        self.query_one("#cmp-status", Static).update(text)

    def action_refresh(self) -> None:
        """Load the list again."""

        async def work() -> None:
            try:
                campaigns = await self.api.campaigns()
            except Exception as error:
                first = self.model.refresh_failed(error)
                self._say_why()
                if first:
                    raise  # told once (as every error is); the next failures of the outage are not
                return
            self.show(campaigns)

        self._spawn(work, "loading campaigns")

    def show(self, campaigns: list[Campaign]) -> None:
        """Apply a fresh list and draw it."""
        self.model.apply(campaigns)
        self._draw()

    def _say_why(self) -> None:
        """The title says when the list is stale; the line under it says why the list is empty."""
        t = self.t.t
        stale = self.model.stale_since
        title = t("Campaigns")
        if stale is not None:
            title = f"{title} · {stale_label(stale, t)}"
        heading = self.query_one("#cmp-title", Static)
        heading.update(title)
        heading.set_class(stale is not None, "stale")
        why = self.model.why_empty()
        line = self.query_one("#cmp-why", Static)
        line.set_class(why is None, "-none")
        if why is not None:
            key, values = why
            since = values.get("since")
            shown = {"since": since.astimezone().strftime("%H:%M:%S")} if isinstance(since, datetime) else {}
            line.update(t(key, **shown))

    def _draw(self) -> None:
        t = self.t.t
        self._say_why()
        table = self.query_one("#cmp-table", DataTable)
        table.clear()
        for c in self.model.campaigns:
            table.add_row(*(Text(cell) for cell in (
                clean(c.name, 60), t(STATE_LABELS[state_key(c)]), progress(c), str(c.claimed),
                str(c.do_not_call), clean(outcome_counts(c), 200))), key=str(c.id))
        current = self.model.current
        if current is not None:
            index = next(i for i, c in enumerate(self.model.campaigns) if c.id == current.id)
            table.move_cursor(row=index)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted row is the selected campaign."""
        if event.row_key.value is not None:
            self.model.select(int(event.row_key.value))

    def form(self) -> CampaignForm:
        """What is typed in the fields."""
        def value(name: str) -> str:
            return self.query_one(f"#cmp-{name}", Input).value

        return CampaignForm(name=value("name"), screen=value("screen"), source=value("source"),
                            agents=value("agents"), hours=value("hours"))

    def action_create(self) -> None:
        """Send the new campaign (a draft), or say every problem with the fields."""
        made = draft(self.form(), self.read)
        if made.body is None:
            self._say(made.problems)
            return
        body = made.body

        async def work() -> None:
            campaign = await self.api.create(body)
            self.model.updated(campaign)
            self._draw()
            self._say([("Campaign {name} made with {count} customers: f3 starts it.",
                        {"name": clean(campaign.name, 60), "count": campaign.total})])

        self._spawn(work, "making a campaign")

    def action_move(self, action: str) -> None:
        """Start, pause or finish the selected campaign."""
        current = self.model.current
        if current is None:
            self._say([("No campaign selected.", {})])
            return
        if not self.model.allowed(action):
            self._say([("A {state} campaign cannot do that.", {"state": self.t.t(current.state.value)})])
            return

        async def work() -> None:
            campaign = await self.api.move(current.id, action)
            self.model.updated(campaign)
            self._draw()
            self._say([("{name}: {state}", {"name": clean(campaign.name, 60),
                                            "state": self.t.t(campaign.state.value)})])

        self._spawn(work, "changing a campaign")

    def action_back(self) -> None:
        """Back to the wallboard."""
        self.dismiss(None)
