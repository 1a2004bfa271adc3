"""Not Ready: pick the reason code (break, meal, meeting...)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean

REASON_LABELS = {
    "break": "Break", "meal": "Meal", "meeting": "Meeting", "training": "Training",
    "coaching": "Coaching", "phone_offline": "Phone offline", "other": "Other",
}


class ReasonScreen(PanelScreen[str | None]):
    """Choose why the agent is not ready."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__()
        self.reasons = reasons

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Not Ready: why?"), classes="panel-title")
            yield OptionList(
                *[Option(self.t.t(REASON_LABELS.get(r, clean(r, 40))), id=r) for r in self.reasons],
                id="reasons",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a reason."""
        self.dismiss(event.option.id)
