"""Wrap-up: disposition, first-call-resolved, transfer reason, notes; shows the after-call-work timer.

Keys (all priority bindings, so keys typed behind them in the same read land where the agent meant;
see `agent_tui.ui.common.key_order`):

| key | id | action |
|---|---|---|
| ctrl+s | wrapup.save | save (a missing disposition takes the focus at once) |
| enter | form.enter | in the transfer reason: the next field; on the Save button: save |
| escape | wrapup.close | close without saving; asks first when something was filled in |
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from agent_tui.ui.common.bindings import ENTER_MOVES_ON
from agent_tui.ui.common.confirm import ConfirmScreen
from agent_tui.ui.common.key_order import settle_keys
from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean, duration
from agent_tui.ui.desk.calls import CallSession

DISPOSITIONS: tuple[tuple[str, str], ...] = (
    ("resolved", "Resolved"),
    ("ticket_created", "Work order taken"),
    ("information", "Information given"),
    ("transferred", "Transferred"),
    ("callback", "Callback promised"),
    ("complaint", "Complaint recorded"),
    ("wrong_number", "Wrong number"),
    ("other", "Other"),
)


@dataclass(frozen=True)
class WrapUp:
    """What the agent recorded about a call."""

    disposition: str
    resolved: bool
    transfer_reason: str
    notes: str


class WrapUpScreen(PanelScreen[WrapUp | None]):
    """The wrap-up panel. ctrl+s saves; Escape on a filled wrap-up asks before it discards."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="wrapup.save", priority=True),
        Binding("escape", "discard", "Close", id="wrapup.close", priority=True),
        ENTER_MOVES_ON,
    ]
    DEFAULT_CSS = """
    #wrapup-notes { height: 4; }
    #wrapup-timer { text-style: bold; }
    """

    def __init__(self, session: CallSession, acw_deadline: float | None) -> None:
        super().__init__()
        self.session = session
        self.acw_deadline = acw_deadline
        self.opened = time.monotonic()
        self._initial: WrapUp | None = None

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical(classes="panel"):
            yield Static(t("Wrap-up: {number}", number=clean(self.session.number, 40)), classes="panel-title",
                         markup=False)
            yield Static("", id="wrapup-timer", markup=False)
            yield Select([(t(label), code) for code, label in DISPOSITIONS], prompt=t("Disposition"),
                         id="wrapup-disposition",
                         value="ticket_created" if self.session.tickets else Select.NULL)
            yield Checkbox(t("Resolved on this call (FCR)"), value=True, id="wrapup-fcr")
            yield Input(placeholder=t("Transfer reason (if transferred)"), id="wrapup-transfer",
                        max_length=200)
            yield TextArea(id="wrapup-notes")
            yield Static("", id="wrapup-error", classes="error", markup=False)
            yield Button(t("Save (ctrl+s)"), id="wrapup-save", variant="primary")

    def on_mount(self) -> None:
        """Start the timer display."""
        self._tick()
        self.set_interval(1.0, self._tick)
        self._initial = self._typed()
        self.set_focus(self.query_one("#wrapup-disposition", Select))

    def _tick(self) -> None:
        t = self.t.t
        if self.acw_deadline is not None:
            left = max(self.acw_deadline - time.monotonic(), 0)
            text = t("After-call work: {left} left", left=duration(left))
        else:
            text = t("After-call work: {used}", used=duration(time.monotonic() - self.opened))
        self.query_one("#wrapup-timer", Static).update(text)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        """Save."""
        await self.action_save()

    def _typed(self) -> WrapUp:
        """What the panel holds now (disposition "" while none is chosen)."""
        disposition = self.query_one("#wrapup-disposition", Select).value
        return WrapUp(
            disposition=disposition if isinstance(disposition, str) else "",
            resolved=self.query_one("#wrapup-fcr", Checkbox).value,
            transfer_reason=clean(self.query_one("#wrapup-transfer", Input).value, 200),
            notes=clean(self.query_one("#wrapup-notes", TextArea).text, 20_000, one_line=False),
        )

    @property
    def filled(self) -> bool:
        """Whether the agent changed anything since the panel opened."""
        return self._initial is not None and self._typed() != self._initial

    async def action_enter_field(self) -> None:
        """Enter in the transfer reason moves on; on the Save button saves; elsewhere it is the
        focused widget's (a list opens, the checkbox toggles, the notes get a new line)."""
        focused = self.focused
        if isinstance(focused, Input):
            self.focus_next()
        elif isinstance(focused, Button):
            await self.action_save()
        else:
            raise SkipAction()

    async def action_save(self) -> None:
        """Check and return the wrap-up."""
        await settle_keys(self)  # the fields hold every key typed before ctrl+s
        typed = self._typed()
        if not typed.disposition:
            self.query_one("#wrapup-error", Static).update(self.t.t("Choose a disposition."))
            self.set_focus(self.query_one("#wrapup-disposition", Select))
            return
        self.dismiss(typed)

    async def action_discard(self) -> None:
        """Close without saving; a filled wrap-up asks first (Escape is easy to hit by mistake)."""
        select = self.query_one("#wrapup-disposition", Select)
        if select.expanded:
            raise SkipAction()  # Escape closes the open list
        await settle_keys(self)
        if not self.filled:
            self.dismiss(None)
            return
        t = self.t.t

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen(
            t("Discard this wrap-up? The disposition and notes you typed are lost."),
            yes=t("Discard (y)"), no=t("Keep editing (n)")), answered)
