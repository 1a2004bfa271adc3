"""Login: backend user and password; the SIP password is remembered in the credential store if the
agent agrees; the encrypted credential file asks for its passphrase first."""

from __future__ import annotations

from pydantic import SecretStr
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Static

from agent_tui.ui.context import desk_app, tr
from agent_tui.ui.options import DeskOptions
from agent_tui.ui.services import DeskServices

SIP_SECRET = "sip-password"  # noqa: S105 - the name of the secret, not a secret


class LoginScreen(Screen[None]):
    """The first screen when no password was given."""

    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen #login-box {
        width: 60; max-width: 100%; height: auto; border: round $primary; padding: 0 1;
        background: $surface;
    }
    LoginScreen #login-title { text-style: bold reverse; padding: 0 1; }
    LoginScreen #login-error { color: $error; text-style: bold; height: auto; }
    """

    def __init__(self, services: DeskServices, options: DeskOptions) -> None:
        super().__init__(id="login")
        self.services = services
        self.options = options
        self.t = tr(self)

    def compose(self) -> ComposeResult:
        t = self.t.t
        secrets = self.services.secrets
        locked = secrets is not None and secrets.needs_passphrase()
        with Center(), Vertical(id="login-box"):
            yield Static(t("agent-tui: log in"), id="login-title")
            if locked:
                yield Input(placeholder=t("Passphrase of the credential file"), password=True,
                            id="login-passphrase")
            yield Input(value=self.options.username, placeholder=t("User"), id="login-user", max_length=64)
            yield Input(placeholder=t("Password"), password=True, id="login-password", max_length=256)
            if secrets is not None:
                yield Input(placeholder=t("SIP password (if different)"), password=True, id="login-sip",
                            max_length=256)
                yield Checkbox(t("Remember the SIP password on this computer"), id="login-remember")
            yield Static("", id="login-error", markup=False)
            yield Button(t("Log in"), id="login-go", variant="primary")

    def on_mount(self) -> None:
        """Focus the first empty field."""
        for widget in self.query(Input):
            if not widget.value:
                widget.focus()
                break

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the password logs in; elsewhere moves on."""
        if event.input.id == "login-password":
            self._go()
        else:
            self.focus_next()

    def on_button_pressed(self) -> None:
        """The button."""
        self._go()

    def _value(self, wid: str) -> str:
        found = self.query(f"#{wid}")
        return found.first(Input).value if found else ""

    def _go(self) -> None:
        t = self.t.t
        error = self.query_one("#login-error", Static)
        secrets = self.services.secrets
        passphrase = self._value("login-passphrase")
        locked = secrets is not None and bool(self.query("#login-passphrase"))
        if locked and secrets is not None and not secrets.unlock(SecretStr(passphrase)):
            error.update(t("Wrong passphrase."))
            return
        user = self._value("login-user").strip()
        password = self._value("login-password")
        if not user or not password:
            error.update(t("User and password are needed."))
            return
        sip = self._value("login-sip")
        remember = bool(self.query("#login-remember")) and self.query_one("#login-remember", Checkbox).value
        app = desk_app(self)

        async def work() -> None:
            from agent_tui.ui.app import DeskApp

            desk = self.app
            assert isinstance(desk, DeskApp)
            try:
                await desk.log_in(user, SecretStr(password))
            except Exception:
                error.update(t("Login failed: check user and password, and that the backend runs."))
                raise
            if secrets is not None and sip and remember:
                secrets.set(SIP_SECRET, SecretStr(sip))
            desk.switch_screen("desk")

        app.spawn(self, work, "logging in", exclusive=True)
