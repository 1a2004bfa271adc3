"""Manual dial: type a number, Enter calls it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from agent_tui.ui.desk.desk_panel import DeskPanelScreen


class DialScreen(DeskPanelScreen[str | None]):
    """Ask for a number to call."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Dial"), classes="panel-title")
            yield Input(placeholder=self.t.t("Number"), id="dial-number", restrict=r"[0-9+*#\-]*",
                        max_length=40)
            yield Static(self.t.t("Enter calls · Escape cancels"), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: dial."""
        if event.value.strip():
            self.dismiss(event.value.strip())
