"""Login for the wallboard when no password was given: user and password, nothing else."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from agent_tui.ui.context import tr


class MonitorLoginScreen(Screen[None]):
    """The supervisor's login."""

    DEFAULT_CSS = """
    MonitorLoginScreen { align: center middle; }
    MonitorLoginScreen #login-box {
        width: 60; max-width: 100%; height: auto; border: round $primary; padding: 0 1; background: $surface;
    }
    MonitorLoginScreen #login-title { text-style: bold reverse; padding: 0 1; }
    MonitorLoginScreen #login-error { color: $error; text-style: bold; height: auto; }
    """

    def __init__(self, username: str) -> None:
        super().__init__(id="monitor-login")
        self.username = username
        self.t = tr(self)

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Center(), Vertical(id="login-box"):
            yield Static(t("agent-tui monitor: log in"), id="login-title")
            yield Input(value=self.username, placeholder=t("User"), id="login-user", max_length=64)
            yield Input(placeholder=t("Password"), password=True, id="login-password", max_length=256)
            yield Static("", id="login-error", markup=False)
            yield Button(t("Log in"), id="login-go", variant="primary")

    def on_mount(self) -> None:
        """Focus the first empty field."""
        for widget in self.query(Input):
            if not widget.value:
                widget.focus()
                break

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the password logs in."""
        if event.input.id == "login-password":
            self._go()
        else:
            self.focus_next()

    def on_button_pressed(self) -> None:
        """The button."""
        self._go()

    def _go(self) -> None:
        t = self.t.t
        error = self.query_one("#login-error", Static)
        user = self.query_one("#login-user", Input).value.strip()
        password = self.query_one("#login-password", Input).value
        if not user or not password:
            error.update(t("User and password are needed."))
            return
        app: Any = self.app

        async def work() -> None:
            try:
                await app.log_in(user, SecretStr(password))
            except Exception:
                error.update(t("Login failed: check user and password, and that the backend runs."))
                raise
            app.switch_screen("wallboard")

        app.spawn(self, work, "logging in", exclusive=True)
