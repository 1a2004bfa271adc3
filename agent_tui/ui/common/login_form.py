"""The login form the desk and the wallboard share: a box with a title, the user and password fields,
an error line and a button. Subclasses add their own fields and say what logging in does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Center, Vertical
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from agent_tui.i18n import Translator
from agent_tui.sync.errors import AuthenticationRequired, BackendRejected, BackendTlsError, BackendUnavailable
from agent_tui.ui.common.bindings import ENTER_MOVES_ON
from agent_tui.ui.common.context import tr
from agent_tui.ui.common.key_order import settle_keys
from agent_tui.ui.common.text import clean


def backend_url(node: DOMNode) -> str:
    """The backend the App logs in to (from its options)."""
    options = getattr(node.app, "options", None)
    return str(getattr(options, "backend_url", "") or "?")


def login_failure_text(t: Translator, error: BaseException | None, url: str) -> str:
    """Why a login failed, in words the agent can act on: wrong password, or backend down."""
    address = clean(url, 120)
    if isinstance(error, AuthenticationRequired) or (
            isinstance(error, BackendRejected) and error.status in (401, 403)):
        return t.t("Login failed: {url} refused this user name and password.", url=address)
    if isinstance(error, BackendTlsError):
        return t.t("Login failed: the TLS certificate of {url} is not trusted here.", url=address)
    if isinstance(error, BackendUnavailable | ConnectionError | TimeoutError | OSError):
        return t.t("Login failed: the backend at {url} cannot be reached. Is it running?", url=address)
    return t.t("Login failed: check user and password, and that the backend runs.")


class LoginFormScreen(Screen[None]):
    """User and password in a centred box; Enter in the password field (or the button) logs in.

    Enter in a field is a priority binding (see `agent_tui.ui.common.key_order`): in a burst such as
    `pp1234` Tab Tab `demo` Enter each piece lands in its own field. When a field is missing or wrong,
    the focus goes to it at once, so the next keys fill that field and no other.
    """

    BINDINGS: ClassVar[list[BindingType]] = [ENTER_MOVES_ON]

    DEFAULT_CSS = """
    LoginFormScreen { align: center middle; }
    LoginFormScreen #login-box {
        width: 64; max-width: 100%; height: auto; max-height: 100%; overflow-y: auto;
        scrollbar-size-vertical: 1;
        border: round $primary; padding: 0 1; background: $surface;
    }
    LoginFormScreen #login-title { text-style: bold reverse; padding: 0 1; }
    LoginFormScreen #login-error { color: $error; text-style: bold; height: auto; }
    LoginFormScreen #login-passphrase-help, LoginFormScreen .login-hint { color: $foreground 70%; }
    """

    TITLE_TEXT = "agent-tui: log in"

    def __init__(self, username: str, *, screen_id: str) -> None:
        super().__init__(id=screen_id)
        self.username = username
        self.t = tr(self)

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Center(), Vertical(id="login-box"):
            yield Static(t(self.TITLE_TEXT), id="login-title")
            # Above the fields: at 80x24 the box scrolls, and the focused field is near the top.
            yield Static("", id="login-error", markup=False)
            yield from self.fields_before_user()
            yield Input(value=self.username, placeholder=t("User"), id="login-user", max_length=64)
            yield Input(placeholder=t("Password"), password=True, id="login-password", max_length=256)
            yield from self.fields_after_password()
            yield Button(t("Log in"), id="login-go", variant="primary")

    def fields_before_user(self) -> Iterator[Widget]:
        """Extra fields above the user name (none here)."""
        return iter(())

    def fields_after_password(self) -> Iterator[Widget]:
        """Extra fields below the password (none here)."""
        return iter(())

    def on_mount(self) -> None:
        """Focus the first empty field."""
        for widget in self.query(Input):
            if not widget.value:
                widget.focus()
                break

    async def action_enter_field(self) -> None:
        """Enter in the password logs in; in another field moves on; elsewhere (button, checkbox) it
        reaches the focused widget as usual."""
        focused = self.focused
        if isinstance(focused, Input) and focused.id != "login-password":
            self.focus_next()
            return
        if isinstance(focused, Input | Button):
            await settle_keys(self)  # the fields hold every key typed before this Enter
            self.log_in()
            return
        raise SkipAction()

    def focus_field(self, wid: str) -> None:
        """Put the focus on input `wid` now (not after the keys already typed), its text selected so
        that typing replaces it."""
        found = self.query(f"#{wid}")
        if found:
            field = found.first(Input)
            self.set_focus(field)
            field.select_all()

    def on_button_pressed(self) -> None:
        """The button."""
        self.log_in()

    def value_of(self, wid: str) -> str:
        """The text of input `wid`, or "" when this form has no such field."""
        found = self.query(f"#{wid}")
        return found.first(Input).value if found else ""

    def show_error(self, message: str) -> None:
        """Say what went wrong, above the fields (scrolled into view once drawn)."""
        error = self.query_one("#login-error", Static)
        error.update(message)
        self.call_after_refresh(error.scroll_visible, animate=False)

    def credentials(self) -> tuple[str, str] | None:
        """The user and password typed, or None (with the error shown) when one is missing."""
        user = self.value_of("login-user").strip()
        password = self.value_of("login-password")
        if not user or not password:
            self.show_error(self.t.t("User and password are needed."))
            self.focus_field("login-user" if not user else "login-password")
            return None
        return user, password

    def login_failed(self, error: BaseException | None = None) -> None:
        """Say why the login failed, naming the backend: the password, or a backend that is down."""
        self.show_error(login_failure_text(self.t, error, backend_url(self)))
        self.focus_field("login-password")

    def log_in(self) -> None:
        """Log in with what was typed (each mode says how)."""
        raise NotImplementedError
