"""The desk App: thin wiring of services, options, themes and translation into screens.

Themes, the translator and the one central error handler (`report_error`, `spawn`,
`spawn_thread`) come from `agent_tui.ui.common.base_app.AgentTuiApp`, shared with the monitor and train
Apps. Call-control keys are App bindings, so they work from every screen (the work-order form,
the knowledge base...).

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
| ctrl+q | app.quit | quit (asks first with a call up or ringing, a wrap-up unsaved or writes unsent) |

The App holds the call view (`call_view`): the desk publishes it, and the call strip of every desk
screen (the desk, order forms, wrap-up) watches it, so no screen reaches into another for it.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from pydantic import SecretStr
from textual.app import App
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.screen import Screen

from agent_tui.domain.session import SessionInfo
from agent_tui.i18n import Translator
from agent_tui.sync.desk_link import LinkStatus
from agent_tui.sync.login_retry import LOGIN_BACKOFF, log_in_until_reachable
from agent_tui.ui.common.base_app import AgentTuiApp
from agent_tui.ui.common.commands import DeskCommands
from agent_tui.ui.common.confirm import ConfirmScreen
from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.common.messages import LinkStatusMessage, LiveEventMessage, PhoneEventMessage
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.palette import LocalizedPalette
from agent_tui.ui.desk.call_strip import CALL_BINDINGS
from agent_tui.ui.desk.call_view import CallView, StripPhase
from agent_tui.ui.desk.desk import DeskScreen
from agent_tui.ui.desk.desk_overlays import DeskConfirmScreen, DeskHelpScreen, DeskPalette
from agent_tui.ui.desk.login import LoginScreen
from agent_tui.ui.desk.services import DeskServices
from agent_tui.ui.desk.ticket_subject import TicketSubjects
from agent_tui.ui.desk.training_panel import TrainingView

log = logging.getLogger(__name__)


class DeskApp(AgentTuiApp):
    """The agent desk."""

    TITLE = "agent-tui"
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {DeskCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("f2", "desk('ready')", "Ready", id="desk.ready"),
        *CALL_BINDINGS,  # f3 answer, f4 hang up, f5 hold: shared with the panels that show the strip
        Binding("ctrl+r", "desk('reject')", "Reject", show=False, id="desk.reject"),
        Binding("f6", "desk('mute')", "Mute", show=False, id="desk.mute"),
        Binding("f7", "desk('transfer')", "Transfer", show=False, id="desk.transfer"),
        Binding("f8", "desk('conference')", "Conference", show=False, id="desk.conference"),
        Binding("ctrl+d", "desk('dtmf')", "DTMF pad", show=False, id="desk.dtmf"),
    ]

    # `var`, not `reactive`: a reactive on the App repaints the whole screen when it changes; the
    # strips that watch it repaint their own row.
    call_view: var[CallView] = var(CallView, init=False)
    """The agent state and the call in focus, published by the desk; every call strip watches it."""
    training_view: var[TrainingView | None] = var(None, init=False)
    """The training call (scenario, hint, the caller's lines) every training panel shows; None: none."""

    def __init__(
        self,
        services: DeskServices,
        options: DeskOptions | None = None,
        *,
        password: SecretStr | None = None,
        translator: Translator | None = None,
    ) -> None:
        super().__init__(options or DeskOptions(), password=password, translator=translator)
        self.services = services
        self.desk = DeskScreen(services, self.options, self.translator)
        self.writes_queued = 0
        self.login_backoff = LOGIN_BACKOFF
        """Delays between start-up logins while the backend is down (tests make them short)."""
        self.ticket_subjects: TicketSubjects | None = None
        """Makes work-order subjects in this desk's language, once the screens are loaded."""
        """Writes the outbox holds and has not delivered yet (from its last link report)."""

    # ---- life cycle -------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Pick the theme for this terminal, then log in (or ask for the password)."""
        self.apply_theme()
        if self.services.phone is not None:
            self.services.phone.set_listener(self._phone_listener)
        self.services.writes.set_status_listener(self._link_listener)
        if self.services.events is not None:
            self.services.events.set_listener(self._live_listener)
        self.install_screen(self.desk, "desk")
        if self._password is not None:
            password, self._password = self._password, None
            self.push_screen("desk")
            # No form to try again from: the start-up login keeps trying while the backend is down.
            self.spawn(self.desk, lambda: self.log_in(self.options.username, password, retry=True),
                       "logging in")
        else:
            self.push_screen(LoginScreen(self.services, self.options))

    async def log_in(self, username: str, password: SecretStr, *, retry: bool = False) -> SessionInfo:
        """Log in to the backend; on success the desk starts its services and shows. `retry`: while the
        backend cannot be reached, try again (sync/login_retry.py) instead of giving up."""
        prepare = getattr(self.services.phone, "prepare", None)
        if callable(prepare):
            # Load the softphone (pjsua2) while the backend checks the password, not after.
            self.spawn_thread(prepare, "starting the phone")
        if retry:
            info = await log_in_until_reachable(lambda: self.services.backend.login(username, password),
                                                on_unreachable=self._login_unreachable,
                                                backoff=self.login_backoff)
        else:
            info = await self.services.backend.login(username, password)
        self.session = info
        for hook in self.services.on_logged_in:
            hook(info)
        await self.desk.started(info)
        if self.services.screens is not None:
            self.desk.run_worker(self._load_ticket_subjects(), group="subjects", exit_on_error=False)
        return info

    def _login_unreachable(self, error: BaseException, failures: int) -> None:
        """The start-up login found no backend: say so once, keep trying (the header shows Offline)."""
        log.warning("logging in: the backend cannot be reached (try %d): %s", failures, error)
        if failures == 1:
            self.notify(self.translator.t(
                "The backend cannot be reached: logging in again as soon as it answers."),
                severity="warning", timeout=10)

    async def _load_ticket_subjects(self) -> None:
        """Work-order subjects on the card in this desk's language (issue 15): from the screens,
        loaded once after login; until then (or without them) the stored subject is shown."""
        assert self.services.screens is not None
        try:
            screens, _problems = await self.services.screens.load()
        except Exception as error:  # the card keeps the stored subjects; F9 reports screen problems
            log.warning("work-order screens not loaded for the card's subjects: %s", error)
            return
        self.ticket_subjects = TicketSubjects(screens, self.translator)
        self.desk.refresh_view()

    async def on_unmount(self) -> None:
        """Close what launch started (streams, HTTP client), on this loop."""
        await self.run_shutdown_hooks(self.services.on_shutdown)

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
        self.writes_queued = message.status.queued
        self.desk.handle_link_status(message.status)

    def on_live_event_message(self, message: LiveEventMessage) -> None:
        """Route a live backend event to the desk."""
        try:
            self.desk.handle_live_event(message.event)
        except Exception as error:
            self.report_error(error, "handling a live event")

    # ---- actions ----------------------------------------------------------------------------

    def help_screen(self, below: Screen[object]) -> HelpScreen:
        """F1 on the desk: the key list with the call strip, so a ring is never hidden behind it."""
        return DeskHelpScreen(below)

    def command_palette_screen(self) -> LocalizedPalette:
        """ctrl+p on the desk: the palette with the call keys working over it."""
        return DeskPalette(self.translator)

    async def action_desk(self, name: str) -> None:
        """Run a call-control action of the desk from any screen."""
        await self.desk.run_action(name)

    async def action_quit(self) -> None:
        """Quit; with a call ringing or up, or writes not yet sent, ask first."""
        reasons = self.quit_risks()
        if not reasons:
            self.exit()
            return
        if isinstance(self.screen, ConfirmScreen):
            return  # ctrl+q again while asking: the question is already on screen

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        t = self.translator.t
        question = "\n".join([*reasons, t("Quit anyway?")])
        self.push_screen(DeskConfirmScreen(question, yes=t("Quit anyway"), no=t("Keep working")), answered)

    def quit_risks(self) -> list[str]:
        """What quitting now would lose, one line each ([] when nothing)."""
        t = self.translator.t
        view = self.call_view
        reasons: list[str] = []
        if view.phase in (StripPhase.TALKING, StripPhase.HELD, StripPhase.DIALING):
            reasons.append(t("A call is up: quitting hangs it up."))
        if view.phase is StripPhase.RINGING or view.waiting:
            reasons.append(t("A call is ringing."))
        if self.desk.model.unsaved():  # the disposition, notes and ACW time would be lost
            reasons.append(t("A wrap-up is not saved: quitting loses it."))
        if self.writes_queued:
            reasons.append(t("{count} changes are not sent to the backend yet.", count=self.writes_queued))
        return reasons
