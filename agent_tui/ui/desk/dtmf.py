"""The DTMF pad: digits typed here go to the call at once."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from agent_tui.ui.desk.desk_panel import DeskPanelScreen

DTMF_KEYS = "0123456789*#"


class DtmfScreen(DeskPanelScreen[None]):
    """Send DTMF digits; Escape closes."""

    def __init__(self, send: Callable[[str], None]) -> None:
        super().__init__()
        self.send = send
        self.sent = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("DTMF pad"), classes="panel-title")
            yield Static("1 2 3\n4 5 6\n7 8 9\n* 0 #", id="dtmf-keys")
            yield Static(self.t.t("Sent: {digits}", digits="-"), id="dtmf-sent")
            yield Static(self.t.t("Type digits · Escape closes"), classes="hint")

    def on_key(self, event: events.Key) -> None:
        """A digit key sends that digit."""
        if event.character and event.character in DTMF_KEYS:
            event.stop()
            self.send(event.character)
            self.sent += event.character
            self.query_one("#dtmf-sent", Static).update(self.t.t("Sent: {digits}", digits=self.sent[-30:]))
