"""Asking for the trainer's password when none was stored or given."""

from __future__ import annotations

from pydantic import SecretStr
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean


class PasswordScreen(PanelScreen[SecretStr | None]):
    """One password field; Enter logs in, Escape quits."""

    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = username

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Log in as {user}", user=clean(self.username, 64)), classes="panel-title",
                         markup=False)
            yield Input(id="password", password=True, placeholder=self.t.t("Password"))
            yield Static(self.t.t("Enter logs in, Escape quits."), classes="hint", markup=False)

    def on_mount(self) -> None:
        """Focus the field."""
        self.query_one("#password", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter."""
        if event.value:
            self.dismiss(SecretStr(event.value))
