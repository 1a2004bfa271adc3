"""The supervisor's App (`agent-tui monitor`): thin wiring of services, options and translation.

It logs in, starts the wallboard feed and the supervisor's phone, and routes phone events to the
wallboard. Errors from workers go through one handler (`report_error`, from
`agent_tui.ui.common.base_app.AgentTuiApp`): a notification in the UI language, never a traceback. Keys:
see `agent_tui.ui.monitor.wallboard`; f1 lists them, ctrl+p finds any command, ctrl+q quits.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, ClassVar

from pydantic import SecretStr
from textual.app import App
from textual.binding import Binding, BindingType

from agent_tui.domain.session import Role, SessionInfo
from agent_tui.i18n import Translator
from agent_tui.phone.events import CallEnded, CallState, MonitorModeChanged
from agent_tui.ui.common.base_app import AgentTuiApp
from agent_tui.ui.common.commands import DeskCommands
from agent_tui.ui.common.messages import PhoneEventMessage
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.text import clean
from agent_tui.ui.monitor.interventions import Interventions, NoPhone
from agent_tui.ui.monitor.login import MonitorLoginScreen
from agent_tui.ui.monitor.options import MonitorOptions
from agent_tui.ui.monitor.orders_model import OrdersModel
from agent_tui.ui.monitor.orders_panel import OrdersScreen, OrdersSink
from agent_tui.ui.monitor.services import MonitorServices
from agent_tui.ui.monitor.wallboard import BoardSink, WallboardScreen


class MonitorApp(AgentTuiApp):
    """The supervisor's wallboard."""

    TITLE = "agent-tui monitor"
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {DeskCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("ctrl+g", "orders", "Orders", show=False, id="monitor.orders"),
        Binding("ctrl+n", "campaigns", "Campaigns", show=False, id="monitor.campaigns"),
    ]

    def __init__(self, services: MonitorServices, options: DeskOptions | None = None,
                 monitor: MonitorOptions | None = None, *, password: SecretStr | None = None,
                 translator: Translator | None = None) -> None:
        super().__init__(options or DeskOptions(username="sup01"), password=password, translator=translator)
        self.services = services
        self.monitor_options = monitor or MonitorOptions()
        self.interventions = Interventions(services.api, services.phone, self.monitor_options.sip_directory)
        self.wallboard = WallboardScreen(self.monitor_options, self.translator, self.interventions,
                                         single_keys=self.options.single_key_shortcuts,
                                         username=self.options.username)
        self.orders = OrdersModel()
        """The orders panel's state, fed by the wallboard's feed from login on."""
        self._orders_screen: OrdersScreen | None = None
        self.feed: Any = None
        self._feed_task: asyncio.Task[None] | None = None

    # ---- life cycle -------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Theme, phone listener, then log in (or ask for the password)."""
        self.apply_theme()
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
        sink: Any = BoardSink(self.wallboard)
        if self.services.orders is not None:
            sink = OrdersSink(sink, self.orders, self.orders_screen(self.services.orders))
        self.feed = self.services.feed(sink)
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
        await self.run_shutdown_hooks(self.services.on_shutdown)

    def _phone_listener(self, event: Any) -> None:
        # Engine thread: only hand the event over.
        self.post_message(PhoneEventMessage(event))

    def on_phone_event_message(self, message: PhoneEventMessage) -> None:
        """The monitoring call's answer, mode changes and end are shown on the wallboard."""
        event = message.event
        if isinstance(event, CallEnded):
            self.wallboard.monitoring_ended(event.call_id)
        elif isinstance(event, CallState) and event.state == "confirmed":
            self.interventions.answered(event.call_id)
        elif isinstance(event, MonitorModeChanged):
            self.wallboard.monitor_mode_answered(event.call_id, event.mode, event.ok)

    # ---- screens ----------------------------------------------------------------------------

    def open_recordings(self) -> None:
        """Recordings search, playback, export and QA scoring."""
        from agent_tui.ui.monitor.recordings import RecordingsScreen

        self.push_screen(RecordingsScreen(self.services.api, self.monitor_options, self.services.player))

    def open_reports(self) -> None:
        """Reports with CSV export."""
        from agent_tui.ui.monitor.reports import ReportsScreen

        self.push_screen(ReportsScreen(self.services.api, self.monitor_options))

    def orders_screen(self, api: Any) -> OrdersScreen:
        """The orders panel (made once, kept while the App runs)."""
        if self._orders_screen is None:
            self._orders_screen = OrdersScreen(self.orders, api)
            self.install_screen(self._orders_screen, "orders")
        return self._orders_screen

    def action_orders(self) -> None:
        """Open orders at risk and breached, and the complaint loop."""
        if self.services.orders is None:
            self.notify(self.translator.t("The orders panel needs the backend."), severity="warning")
            return
        screen = self.orders_screen(self.services.orders)
        if self.screen is screen:
            return
        self._take_down_panel()
        if screen not in self.screen_stack:
            self.push_screen(screen)

    def action_campaigns(self) -> None:
        """Outbound campaigns: make, start, pause, watch."""
        self.open_campaigns()

    def open_campaigns(self) -> None:
        """The campaigns panel (only once logged in: the list is the supervisor's)."""
        from agent_tui.ui.monitor.campaigns import CampaignsScreen

        if self.services.campaigns is None or self.session is None:
            self.notify(self.translator.t("Campaigns are not available in this run."), severity="warning")
            return
        if not isinstance(self.screen, CampaignsScreen):
            self._take_down_panel()
            self.push_screen(CampaignsScreen(self.services.campaigns))

    def _take_down_panel(self) -> None:
        """The orders and campaigns panels stand one at a time over the wallboard: opening one from the
        other takes that one down first (stacked, ctrl+g did nothing over campaigns, whose panel hid the
        orders below, and every ctrl+n over orders piled one more panel for Escape to walk back through)."""
        from agent_tui.ui.monitor.campaigns import CampaignsScreen

        if isinstance(self.screen, OrdersScreen | CampaignsScreen):
            self.pop_screen()

    # ---- errors -----------------------------------------------------------------------------

    def error_text(self, error: BaseException, what: str) -> str | None:
        """The wallboard's own errors in words; the rest as every App says them."""
        if isinstance(error, NoPhone):
            return self.translator.t("No softphone in this run: listen, whisper and barge need one.")
        if isinstance(error, PermissionError):
            return None  # already said, in words
        return super().error_text(error, what)
