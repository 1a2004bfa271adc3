"""The supervisor's App (`agent-tui monitor`): thin wiring of services, options and translation.

It logs in, starts the wallboard feed and the supervisor's phone, and routes phone events to the
wallboard. Errors from workers go through one handler (`report_error`): a notification in the UI
language, never a traceback. Keys: see `agent_tui.ui.monitor.wallboard`; f1 lists them, ctrl+p finds
any command, ctrl+q quits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from pydantic import SecretStr
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.worker import Worker

from agent_tui.domain.session import Role, SessionInfo
from agent_tui.i18n import Translator
from agent_tui.phone.events import CallEnded
from agent_tui.sync.errors import AuthenticationRequired, BackendRejected, BackendUnavailable
from agent_tui.ui.bindings import localize_bindings
from agent_tui.ui.commands import DeskCommands
from agent_tui.ui.messages import PhoneEventMessage
from agent_tui.ui.monitor.interventions import Interventions, NoPhone
from agent_tui.ui.monitor.login import MonitorLoginScreen
from agent_tui.ui.monitor.options import MonitorOptions
from agent_tui.ui.monitor.services import MonitorServices
from agent_tui.ui.monitor.wallboard import BoardSink, WallboardScreen
from agent_tui.ui.options import DeskOptions
from agent_tui.ui.screens.help import HelpScreen
from agent_tui.ui.text import clean
from agent_tui.ui.themes import THEME_VARIABLE_DEFAULTS, choose_theme, load_themes

log = logging.getLogger(__name__)


class MonitorApp(App[int]):
    """The supervisor's wallboard."""

    TITLE = "agent-tui monitor"
    CSS = """
    Screen { background: $background; }
    Toast { max-width: 70; }
    """
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {DeskCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
        Binding("f1", "help", "Help", id="app.help"),
    ]

    def __init__(self, services: MonitorServices, options: DeskOptions | None = None,
                 monitor: MonitorOptions | None = None, *, password: SecretStr | None = None,
                 translator: Translator | None = None) -> None:
        # Textual removes NO_COLOR from the environment while starting: read it first.
        self.no_color_requested = "NO_COLOR" in os.environ
        super().__init__()
        self.services = services
        self.options = options or DeskOptions(username="sup01")
        self.monitor_options = monitor or MonitorOptions()
        self.translator = translator or Translator(self.options.language)
        self.session: SessionInfo | None = None
        self._password = password
        self.interventions = Interventions(services.api, services.phone, self.monitor_options.sip_directory)
        self.wallboard = WallboardScreen(self.monitor_options, self.translator, self.interventions,
                                         single_keys=self.options.single_key_shortcuts,
                                         username=self.options.username)
        self.feed: Any = None
        self._feed_task: asyncio.Task[None] | None = None
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
        """Theme, phone listener, then log in (or ask for the password)."""
        self.theme = choose_theme(self.options.theme, no_color=self.no_color_requested,
                                  colour_system=self.console.color_system, known=set(self.available_themes))
        for problem in self.theme_problems:
            self.notify(self.translator.t("Theme not loaded: {problem}", problem=problem), severity="warning")
        if self.services.phone is not None:
            self.services.phone.set_listener(self._phone_listener)
        self.install_screen(self.wallboard, "wallboard")
        if self._password is not None:
            password, self._password = self._password, None
            self.push_screen("wallboard")
            self.spawn(self.wallboard, lambda: self.log_in(self.options.username, password), "logging in")
        else:
            self.push_screen(MonitorLoginScreen(self.options.username))

    async def log_in(self, username: str, password: SecretStr) -> SessionInfo:
        """Log in; a supervisor gets the live wallboard, anyone else a clear refusal."""
        info = await self.services.auth.login(username, password)
        if info.role != Role.SUPERVISOR:
            self.notify(self.translator.t("{user} is not a supervisor: the wallboard is for supervisors.",
                                          user=clean(username, 40)), severity="error", timeout=10)
            raise PermissionError(f"{username} is not a supervisor")
        self.session = info
        for hook in self.services.on_logged_in:
            hook(info)
        self.start_feed()
        if self.services.phone is not None:
            self.spawn_thread(self.services.phone.start, "starting the phone")
        return info

    def start_feed(self) -> None:
        """Feed the wallboard until the App ends."""
        self.feed = self.services.feed(BoardSink(self.wallboard))
        self._feed_task = asyncio.get_running_loop().create_task(self._run_feed(self.feed))

    async def _run_feed(self, feed: Any) -> None:
        try:
            await feed.run()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.report_error(error, "following the wallboard")

    async def on_unmount(self) -> None:
        """Stop the feed, the monitoring call and what launch started."""
        if self.feed is not None:
            self.feed.close()
        if self._feed_task is not None:
            self._feed_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._feed_task
        with contextlib.suppress(Exception):
            self.interventions.stop()
        for hook in self.services.on_shutdown:
            try:
                await hook()
            except Exception:
                log.exception("shutdown hook failed")

    def _phone_listener(self, event: Any) -> None:
        # Engine thread: only hand the event over.
        self.post_message(PhoneEventMessage(event))

    def on_phone_event_message(self, message: PhoneEventMessage) -> None:
        """The end of the monitoring call is shown on the wallboard."""
        event = message.event
        if isinstance(event, CallEnded):
            self.wallboard.monitoring_ended(event.call_id)

    # ---- screens ----------------------------------------------------------------------------

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.screen))

    def open_recordings(self) -> None:
        """Recordings search, playback, export and QA scoring."""
        from agent_tui.ui.monitor.recordings import RecordingsScreen

        self.push_screen(RecordingsScreen(self.services.api, self.monitor_options, self.services.player))

    def open_reports(self) -> None:
        """Reports with CSV export."""
        from agent_tui.ui.monitor.reports import ReportsScreen

        self.push_screen(ReportsScreen(self.services.api, self.monitor_options))

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
        elif isinstance(error, NoPhone):
            text = t("No softphone in this run: listen, whisper and barge need one.")
        elif isinstance(error, PermissionError):
            return  # already said, in words
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
