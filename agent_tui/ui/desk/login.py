"""Login: backend user and password; the SIP password is remembered in the credential store if the
agent agrees; the encrypted credential file asks for its passphrase first.

The passphrase that creates the encrypted file is asked twice: the file takes whatever is typed the
first time, so a slip would lock the agent out of it (`agent-tui credentials reset` starts over).
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import SecretStr
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

from agent_tui.ui.common.context import desk_app
from agent_tui.ui.common.login_form import LoginFormScreen
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.services import DeskServices

SIP_SECRET = "sip-password"  # noqa: S105 - the name of the secret, not a secret


class LoginScreen(LoginFormScreen):
    """The first screen when no password was given."""

    def __init__(self, services: DeskServices, options: DeskOptions) -> None:
        super().__init__(options.username, screen_id="login")
        self.services = services
        self.options = options

    def fields_before_user(self) -> Iterator[Widget]:
        """The passphrase of a locked credential file comes first."""
        secrets = self.services.secrets
        if secrets is not None and secrets.needs_passphrase():
            t = self.t.t
            yield Static(t("Your own passphrase that locks the SIP password saved here."),
                         id="login-passphrase-help", markup=False)
            yield Static(t("Not the backend password. Asked once at each start."),
                         id="login-passphrase-more", classes="login-hint", markup=False)
            yield Input(placeholder=t("Passphrase of the credential file"), password=True,
                        id="login-passphrase")
            if secrets.passphrase_is_new():
                yield Input(placeholder=t("The same passphrase again (a new credential file)"),
                            password=True, id="login-passphrase-again")

    def fields_after_password(self) -> Iterator[Widget]:
        """The SIP password, when it differs, and whether to remember it (not in listen mode: no
        registrar asks for one)."""
        if self.services.secrets is not None and self.options.sip_password_asked:
            yield Input(placeholder=self.t.t("SIP password (if different)"), password=True, id="login-sip",
                        max_length=256)
            yield Checkbox(self.t.t("Remember the SIP password on this computer"), id="login-remember")

    def log_in(self) -> None:
        """Unlock the credential file if asked, log in to the backend, remember the SIP password."""
        secrets = self.services.secrets
        passphrase = SecretStr(self.value_of("login-passphrase"))
        locked = secrets is not None and bool(self.query("#login-passphrase"))
        if locked and self.query("#login-passphrase-again") and (
                passphrase.get_secret_value() != self.value_of("login-passphrase-again")):
            self.show_error(self.t.t("The two passphrases differ: type the same passphrase twice."))
            self.query_one("#login-passphrase-again", Input).clear()
            self.focus_field("login-passphrase")
            return
        if locked and secrets is not None and not secrets.unlock(passphrase):
            self.show_error(self.t.t("Wrong passphrase. Forgotten? 'agent-tui credentials reset' starts "
                                     "over."))
            self.focus_field("login-passphrase")
            return
        typed = self.credentials()
        if typed is None:
            return
        user, password = typed
        sip = self.value_of("login-sip")
        remember = bool(self.query("#login-remember")) and self.query_one("#login-remember", Checkbox).value
        app = desk_app(self)

        async def work() -> None:
            from agent_tui.ui.desk.app import DeskApp

            desk = self.app
            assert isinstance(desk, DeskApp)
            try:
                await desk.log_in(user, SecretStr(password))
            except Exception as error:
                self.login_failed(error)
                raise
            if secrets is not None and sip and remember:
                secrets.set(SIP_SECRET, SecretStr(sip))
            desk.switch_screen("desk")

        app.spawn(self, work, "logging in", exclusive=True)
