"""What the three Textual apps (desk, monitor, train) share: themes, keys and the one error handler.

`AgentTuiApp` loads and registers the bundled themes, translates the App's key bindings and applies
the user's keymap, picks the theme for this terminal (`apply_theme`, called first thing by each
App's `on_mount`), and owns the central error handler: every worker is started through `spawn` (or
`spawn_thread`), so a failed backend call or phone command becomes a notification in the UI language,
never a traceback on the screen. An error that escapes anyway ends the app as Textual would, but with
a crash report on disk (`agent_tui.crash_report`: no local variables, credentials masked) and one
line on the terminal instead of Textual's traceback, which prints local variables (what was typed,
passwords included). Apps add their own services, screens and life cycle.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from pydantic import SecretStr
from rich.text import Text
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.worker import Worker

from agent_tui import __version__
from agent_tui.crash_report import write_crash_report
from agent_tui.domain.session import SessionInfo
from agent_tui.i18n import Translator
from agent_tui.paths import log_dir
from agent_tui.sync.errors import AuthenticationRequired, BackendRejected, BackendUnavailable
from agent_tui.ui.common.bindings import FOCUS_KEYS, localize_bindings
from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.common.key_order import KeyGate, own_binding_now
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.palette import LocalizedPalette, translate_system_commands
from agent_tui.ui.common.text import clean
from agent_tui.ui.common.themes import THEME_VARIABLE_DEFAULTS, choose_theme, load_themes

if TYPE_CHECKING:
    from textual.screen import Screen

log = logging.getLogger(__name__)


class AgentTuiApp(App[int]):
    """Base of the agent-tui Apps: themes, translated keys, the central error handler and workers.

    Subclasses call `super().__init__(options, ...)` before building their screens (the translator
    is ready by then), and `self.apply_theme()` at the start of their `on_mount`. Textual calls every
    `on_mount` along the class hierarchy, so this class deliberately defines none.
    """

    CSS = """
    Screen { background: $background; }
    Toast { max-width: 70; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
        *FOCUS_KEYS,
    ]

    def __init__(self, options: DeskOptions, *, password: SecretStr | None = None,
                 translator: Translator | None = None) -> None:
        # Textual removes NO_COLOR from the environment while starting: read it first.
        self.no_color_requested = "NO_COLOR" in os.environ
        super().__init__()
        self.options = options
        self.translator = translator or Translator(options.language)
        self.session: SessionInfo | None = None
        self._password = password
        themes, problems = load_themes()
        for theme in themes:
            self.register_theme(theme)
        self.theme_problems = [f"{p.path.name}: {p.message}" for p in problems]
        localize_bindings(self, self.translator, single_keys=options.single_key_shortcuts)
        if options.keymap:
            self.set_keymap(dict(options.keymap))

    async def on_event(self, event: events.Event) -> None:
        """Keys from the terminal: a key bound by the focused widget itself runs in order (see
        `agent_tui.ui.common.key_order`); everything else as Textual routes it."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            gate = getattr(self.screen, "key_gate", None)
            if isinstance(gate, KeyGate) and not gate.is_open:
                await gate.wait()  # its first field takes these keys, not the half-built screen
            if await own_binding_now(self, event):
                return
        await super().on_event(event)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Our CSS variables, for themes that do not set them all."""
        return {**super().get_theme_variable_defaults(), **THEME_VARIABLE_DEFAULTS}

    def apply_theme(self) -> None:
        """Pick the configured theme as far as this terminal allows; say which theme files failed."""
        self.theme = choose_theme(self.options.theme, no_color=self.no_color_requested,
                                  colour_system=self.console.color_system, known=set(self.available_themes))
        for problem in self.theme_problems:
            self.notify(self.translator.t("Theme not loaded: {problem}", problem=problem), severity="warning")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own palette commands (Theme, Quit, Keys...), in the UI language."""
        return translate_system_commands(super().get_system_commands(screen), self.translator)

    def action_command_palette(self) -> None:
        """Textual's command palette, its placeholder in the UI language."""
        if self.use_command_palette and not CommandPalette.is_open(cast("App[object]", self)):
            self.push_screen(self.command_palette_screen())

    def command_palette_screen(self) -> LocalizedPalette:
        """The palette (an App whose call keys must work over it gives its own kind)."""
        return LocalizedPalette(self.translator)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """A notification; its text is data, never markup (Textual's default): notifications carry
        caller numbers, backend details and paths, and `[/]` in one stopped the app as it was drawn."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_help(self) -> None:
        """Show the keys of the current screen (or close that list); Apps bind it where they want it."""
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(self.help_screen(self.screen))

    def help_screen(self, below: Screen[object]) -> HelpScreen:
        """The key list of `below` (an App whose calls must stay in view gives its own kind)."""
        return HelpScreen(below)

    @staticmethod
    async def run_shutdown_hooks(hooks: Iterable[Callable[[], Awaitable[None]]]) -> None:
        """Close what launch started (streams, HTTP client); one failing hook does not stop the rest."""
        for hook in hooks:
            try:
                await hook()
            except Exception:
                log.exception("shutdown hook failed")

    # ---- errors and workers -----------------------------------------------------------------

    def error_text(self, error: BaseException, what: str) -> str | None:
        """The notification for `error` while doing `what`, or None when it was already told in words.

        Apps with errors of their own override this and defer to it for the rest.
        """
        t = self.translator.t
        doing = t(what)
        if isinstance(error, AuthenticationRequired):
            return t("Your session has expired or the password is wrong; log in again.")
        if isinstance(error, BackendRejected):
            return t("The backend refused {what}: {detail}", what=doing, detail=clean(str(error), 300))
        if isinstance(error, BackendUnavailable | TimeoutError | ConnectionError):
            return t("The backend cannot be reached while {what}.", what=doing)
        log.error("error while %s", what, exc_info=error)
        return t("Something went wrong while {what}: {detail}", what=doing,
                 detail=clean(f"{type(error).__name__}: {error}", 200))

    def _fatal_error(self) -> None:
        """Textual's end after an unhandled error, minus the traceback with locals: a crash report."""
        error = sys.exception() or self._exception
        path: str = "-"
        if error is not None:
            log.critical("unhandled error: the app stops", exc_info=error)
            try:
                path = str(write_crash_report(error, log_dir() / "crash", version=__version__))
            except OSError as problem:
                log.error("crash report not written: %s", problem)
        self.bell()
        self._exit_renderables.append(Text(self.translator.t(
            "agent-tui stopped after an internal error. Drafts and queued orders are kept and are sent "
            "on the next start. Crash report: {path}", path=path)))
        self._close_messages_no_wait()

    def report_error(self, error: BaseException, what: str) -> None:
        """The one place errors are shown: a notification in the UI language, details in the log."""
        text = self.error_text(error, what)
        if text is None:
            return
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
