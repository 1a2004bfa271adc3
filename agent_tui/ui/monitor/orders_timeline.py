"""One order's timeline in a panel: A–H times, SLA marks and alerts (from the orders panel, one key)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean
from agent_tui.ui.monitor.orders_model import timeline_lines

if TYPE_CHECKING:
    from agent_tui.ui.monitor.orders_model import OrdersApi


class OrderTimelineScreen(PanelScreen[None]):
    """The timeline of one order, loaded when the panel opens; Escape closes it."""

    DEFAULT_CSS = """
    OrderTimelineScreen #tl-body { height: auto; }
    """

    def __init__(self, api: OrdersApi, number: str) -> None:
        super().__init__()
        self.api = api
        self.number = number
        self.lines: list[str] = []
        """What the panel shows (tests read it)."""

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical(classes="panel"):
            yield Static(t("Timeline of {number}", number=clean(self.number, 32)), classes="panel-title",
                         markup=False)
            yield Static(t("Loading…"), id="tl-body", markup=False)
            yield Static(t("Escape closes"), classes="hint", markup=False)

    def on_mount(self) -> None:
        """Load the timeline."""

        async def work() -> None:
            timeline = await self.api.timeline(self.number)
            self.lines = [clean(line, 200) for line in timeline_lines(timeline, self.t)]
            self.query_one("#tl-body", Static).update("\n".join(self.lines))

        spawn = getattr(self.app, "spawn", None)
        if spawn is not None:
            spawn(self, work, "loading the order's timeline")
