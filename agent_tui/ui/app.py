"""The desk App: thin wiring of services, options, themes and translation into screens.

The App owns the translator and the one central error handler (`report_error`): every worker is
started through `spawn` (or `spawn_thread`), so a failed backend call or phone command becomes a clear
notification in the UI language, never a traceback on the screen. Call-control keys are App
bindings, so they work from every screen (the work-order form, the knowledge base...).

Keys (remappable by binding id through `DeskOptions.keymap`):

| key | id | action |
|---|---|---|
| f1 | app.help | list the keys |
| f2 | desk.ready | Ready / Not Ready |
| f3 | desk.answer | answer the ringing call |
| f4 | desk.hangup | hang up |
| ctrl+r | desk.reject | reject the ringing call |
| f5 | desk.hold | hold / resume |
| f6 | desk.mute | mute / unmute |
| f7 | desk.transfer | transfer (blind or consult) |
| f8 | desk.conference | conference, or complete a consult transfer |
| ctrl+d | desk.dtmf | DTMF pad |
| ctrl+q | app.quit | quit |
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from pydantic import SecretStr
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.worker import Worker

from agent_tui.domain.session import SessionInfo
from agent_tui.i18n import Translator
from agent_tui.sync.errors import AuthenticationRequired, BackendRejected, BackendUnavailable
from agent_tui.ui.bindings import localize_bindings
from agent_tui.ui.commands import DeskCommands
from agent_tui.ui.messages import LinkStatusMessage, LiveEventMessage, PhoneEventMessage
from agent_tui.ui.options import DeskOptions
from agent_tui.ui.screens.desk import DeskScreen
from agent_tui.ui.screens.help import HelpScreen
from agent_tui.ui.screens.login import LoginScreen
from agent_tui.ui.services import DeskServices, LinkStatus
from agent_tui.ui.text import clean
from agent_tui.ui.themes import THEME_VARIABLE_DEFAULTS, choose_theme, load_themes

log = logging.getLogger(__name__)


class DeskApp(App[int]):
    """The agent desk."""

    TITLE = "agent-tui"
    CSS = """
    Screen { background: $background; }
    Toast { max-width: 70; }
    """
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {DeskCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
        Binding("f1", "help", "Help", id="app.help"),
        Binding("f2", "desk('ready')", "Ready", id="desk.ready"),
        Binding("f3", "desk('answer')", "Answer", id="desk.answer"),
        Binding("f4", "desk('hangup')", "Hang up", id="desk.hangup"),
        Binding("ctrl+r", "desk('reject')", "Reject", show=False, id="desk.reject"),
        Binding("f5", "desk('hold')", "Hold", id="desk.hold"),
        Binding("f6", "desk('mute')", "Mute", show=False, id="desk.mute"),
        Binding("f7", "desk('transfer')", "Transfer", show=False, id="desk.transfer"),
        Binding("f8", "desk('conference')", "Conference", show=False, id="desk.conference"),
        Binding("ctrl+d", "desk('dtmf')", "DTMF pad", show=False, id="desk.dtmf"),
    ]

    def __init__(
        self,
        services: DeskServices,
        options: DeskOptions | None = None,
        *,
        password: SecretStr | None = None,
        translator: Translator | None = None,
    ) -> None:
        # Textual removes NO_COLOR from the environment while starting: read it first.
        self.no_color_requested = "NO_COLOR" in os.environ
        super().__init__()
        self.services = services
        self.options = options or DeskOptions()
        self.translator = translator or Translator(self.options.language)
        self.session: SessionInfo | None = None
        self._password = password
        self.desk = DeskScreen(services, self.options, self.translator)
        self.theme_problems: list[str] = []
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        self.theme_problems = [f"{p.path.name}: {p.message}" for p in problems]
        localize_bindings(self, self.translator, single_keys=self.options.single_key_shortcuts)
        if self.options.keymap:
            self.set_keymap(dict(self.options.keymap))

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Our CSS variables, for themes that do not set them all."""
        return {**super().get_theme_variable_defaults(), **THEME_VARIABLE_DEFAULTS}

    # ---- life cycle -------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Pick the theme for this terminal, then log in (or ask for the password)."""
        self.theme = choose_theme(
            self.options.theme,
            no_color=self.no_color_requested,
            colour_system=self.console.color_system,
            known=set(self.available_themes),
        )
        for problem in self.theme_problems:
            self.notify(self.translator.t("Theme not loaded: {problem}", problem=problem),
                        severity="warning")
        if self.services.phone is not None:
            self.services.phone.set_listener(self._phone_listener)
        self.services.writes.set_status_listener(self._link_listener)
        if self.services.events is not None:
            self.services.events.set_listener(self._live_listener)
        self.install_screen(self.desk, "desk")
        if self._password is not None:
            password, self._password = self._password, None
            self.push_screen("desk")
            self.spawn(self.desk, lambda: self.log_in(self.options.username, password), "logging in")
        else:
            self.push_screen(LoginScreen(self.services, self.options))

    async def log_in(self, username: str, password: SecretStr) -> SessionInfo:
        """Log in to the backend; on success the desk starts its services and shows."""
        prepare = getattr(self.services.phone, "prepare", None)
        if callable(prepare):
            # Load the softphone (pjsua2) while the backend checks the password, not after.
            self.spawn_thread(prepare, "starting the phone")
        info = await self.services.backend.login(username, password)
        self.session = info
        for hook in self.services.on_logged_in:
            hook(info)
        await self.desk.started(info)
        return info

    async def on_unmount(self) -> None:
        """Close what launch started (streams, HTTP client), on this loop."""
        for hook in self.services.on_shutdown:
            try:
                await hook()
            except Exception:
                log.exception("shutdown hook failed")

    def _phone_listener(self, event: Any) -> None:
        # Engine thread: only hand the event over.
        self.post_message(PhoneEventMessage(event))

    def _link_listener(self, status: LinkStatus) -> None:
        self.post_message(LinkStatusMessage(status))

    def _live_listener(self, event: Any) -> None:
        self.post_message(LiveEventMessage(event))

    def on_phone_event_message(self, message: PhoneEventMessage) -> None:
        """Route a phone event to the desk (whatever screen is on top)."""
        try:
            self.desk.handle_phone_event(message.event)
        except Exception as error:  # one bad event must not end the shift
            self.report_error(error, "handling a phone event")

    def on_link_status_message(self, message: LinkStatusMessage) -> None:
        """Route the outbox's link status to the desk."""
        self.desk.handle_link_status(message.status)

    def on_live_event_message(self, message: LiveEventMessage) -> None:
        """Route a live backend event to the desk."""
        try:
            self.desk.handle_live_event(message.event)
        except Exception as error:
            self.report_error(error, "handling a live event")

    # ---- actions ----------------------------------------------------------------------------

    async def action_desk(self, name: str) -> None:
        """Run a call-control action of the desk from any screen."""
        await self.desk.run_action(name)

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.screen))

    # ---- errors and workers -----------------------------------------------------------------

    def report_error(self, error: BaseException, what: str) -> None:
        """The one place errors are shown: a notification in the UI language, details in the log."""
        t = self.translator.t
        doing = t(what)
        if isinstance(error, AuthenticationRequired):
            text = t("Your session has expired or the password is wrong; log in again.")
        elif isinstance(error, BackendRejected):
            text = t("The backend refused {what}: {detail}", what=doing, detail=clean(str(error), 300))
        elif isinstance(error, BackendUnavailable | TimeoutError | ConnectionError):
            text = t("The backend cannot be reached while {what}.", what=doing)
        else:
            log.error("error while %s", what, exc_info=error)
            text = t("Something went wrong while {what}: {detail}", what=doing,
                     detail=clean(f"{type(error).__name__}: {error}", 200))
        log.warning("%s: %s", what, error)
        self.notify(text, severity="error", timeout=8)

    def spawn(
        self, node: DOMNode, work: Callable[[], Awaitable[Any]], what: str, *,
        group: str = "default", exclusive: bool = False,
    ) -> Worker[None]:
        """Run async `work` in a worker of `node`; an error in it becomes a notification."""

        async def guarded() -> None:
            try:
                await work()
            except Exception as error:
                self.report_error(error, what)

        return node.run_worker(guarded(), group=group, exclusive=exclusive, exit_on_error=False)

    def spawn_thread(self, work: Callable[[], Any], what: str, *, group: str = "phone") -> Worker[None]:
        """Run blocking `work` on a thread; an error in it becomes a notification."""

        def guarded() -> None:
            try:
                work()
            except Exception as error:
                self.call_from_thread(self.report_error, error, what)

        return self.run_worker(guarded, group=group, thread=True, exit_on_error=False)
