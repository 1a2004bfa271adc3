"""The trainer's console App (`agent-tui train`): thin wiring of services, themes and translation.

Themes, keys and the one error handler (`report_error`, `spawn`) come from
`agent_tui.ui.common.base_app.AgentTuiApp`.

Keys: see `agent_tui.ui.train.console`; F1 lists them (again: closes the list); ctrl+p finds any command
of the console or of the panel open over it; ctrl+q quits (every simulated caller started here ends too).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import SecretStr
from textual.app import App
from textual.binding import Binding, BindingType

from agent_tui.domain.session import Role, SessionInfo
from agent_tui.i18n import Translator
from agent_tui.ui.common.base_app import AgentTuiApp
from agent_tui.ui.common.commands import DeskCommands
from agent_tui.ui.common.messages import LiveEventMessage
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.text import clean
from agent_tui.ui.train.console import ConsoleScreen
from agent_tui.ui.train.console_services import ConsoleServices


class TrainApp(AgentTuiApp):
    """The trainer's console."""

    TITLE = "agent-tui train"
    # The console's single keys (l, h, t, x...) and their ids do not fit the footer at 80 columns, and F1
    # did nothing here. A priority key: over a panel (the picker, the results, the key list itself) an
    # App's ordinary bindings are not active, and F1 on the key list must close it.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f1", "help", "Help", priority=True, id="app.help")]
    # The palette offers the active bindings of the screen it opens over (the console's controls, a
    # panel's keys), as on the desk and the wallboard; without it ctrl+p listed only Textual's own.
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {DeskCommands}

    def __init__(self, services: ConsoleServices, options: DeskOptions | None = None, *,
                 password: SecretStr | None = None, translator: Translator | None = None) -> None:
        super().__init__(options or DeskOptions(username="trainer01"), password=password,
                         translator=translator)
        self.services = services
        self.console_screen = ConsoleScreen(services, self.translator,
                                            single_keys=self.options.single_key_shortcuts)

    def on_mount(self) -> None:
        """Pick the theme, show the console, log in (asking for the password when none was given)."""
        self.apply_theme()
        if self.services.events is not None:
            self.services.events.set_listener(self._live_listener)
        self.push_screen(self.console_screen)
        if self._password is not None:
            password, self._password = self._password, None
            self.spawn(self.console_screen, lambda: self.log_in(password), "logging in")
        else:
            from agent_tui.ui.train.password_screen import PasswordScreen

            def entered(password: SecretStr | None) -> None:
                if password is None:
                    self.exit(1)
                else:
                    self.spawn(self.console_screen, lambda: self.log_in(password), "logging in")

            self.push_screen(PasswordScreen(self.options.username), entered)

    def _live_listener(self, event: Any) -> None:
        self.post_message(LiveEventMessage(event))

    async def log_in(self, password: SecretStr) -> SessionInfo:
        """Log in, start the live events, load the console."""
        info = await self.services.auth.login(self.options.username, password)
        self.session = info
        if info.role == Role.AGENT:
            self.notify(self.translator.t("{user} is not a trainer: the console needs a trainer's login.",
                                          user=clean(info.username, 64)), severity="error", timeout=10)
        for hook in self.services.on_logged_in:
            hook(info)
        await self.console_screen.started()
        return info

    def on_live_event_message(self, message: LiveEventMessage) -> None:
        """A live event from the backend."""
        try:
            self.console_screen.handle_live_event(message.event)
        except Exception as error:
            self.report_error(error, "handling a live event")

    async def on_unmount(self) -> None:
        """End the simulated callers, then what launch started."""
        await self.console_screen.stop_callers()
        await self.run_shutdown_hooks(self.services.on_shutdown)
