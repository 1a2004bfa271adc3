"""Not Ready: pick the reason code (break, meal, meeting...)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.ui.common.key_order import KeyGate
from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean

REASON_LABELS = {
    "break": "Break", "meal": "Meal", "meeting": "Meeting", "training": "Training",
    "coaching": "Coaching", "phone_offline": "Phone offline", "missed_call": "Missed call", "other": "Other",
}
"""The English words of the known Not Ready reason codes (translated where shown)."""

SYSTEM_REASONS = frozenset({"phone_offline", "missed_call"})
"""Reasons the system sets itself (the phone went offline, an offered call rang out): never chosen."""


def force_reasons(codes: list[str]) -> list[str]:
    """The backend's reason codes a supervisor may force an agent Not Ready with, in its order."""
    return [code for code in codes if code not in SYSTEM_REASONS]


class ReasonScreen(PanelScreen[str | None]):
    """Choose why the agent is not ready; `agent` names whom it is for when that is not the user."""

    def __init__(self, reasons: list[str], *, agent: str | None = None) -> None:
        super().__init__()
        self.reasons = reasons
        self.agent = agent
        """The agent a supervisor sets Not Ready (None: the agent at this desk)."""
        self.key_gate = KeyGate()
        """Open once the list has the focus: F2 Down Down Enter in one read picks the third reason."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            title = self.t.t("Not Ready: why?") if self.agent is None else \
                self.t.t("Force {agent} Not Ready: why?", agent=clean(self.agent, 40))
            yield Static(title, classes="panel-title", markup=False)
            yield OptionList(
                *[Option(self.t.t(REASON_LABELS.get(r, clean(r, 40))), id=r) for r in self.reasons],
                id="reasons", markup=False,  # reason codes are the backend's data: `[/]` stopped the app
            )

    def on_mount(self) -> None:
        """The list takes the focus at once (focus() waits behind keys already read), then the keys."""
        self.set_focus(self.query_one("#reasons", OptionList))
        self.key_gate.open()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a reason."""
        self.dismiss(event.option.id)
