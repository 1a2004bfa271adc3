"""Wrap-up: disposition, first-call-resolved, transfer reason, notes; shows the after-call-work timer.

Keys (all priority bindings, so keys typed behind them in the same read land where the agent meant;
see `agent_tui.ui.common.key_order`):

| key | id | action |
|---|---|---|
| ctrl+s | wrapup.save | save (a missing disposition takes the focus at once) |
| enter | form.enter | in the transfer reason: the next field; on the Save button: save |
| escape | wrapup.close | close (what was typed stays for F10); asks first when something was filled in |
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from agent_tui.desk.calls import CallSession
from agent_tui.desk.wrapup import WrapUp as WrapUp
from agent_tui.ui.common.bindings import ENTER_MOVES_ON
from agent_tui.ui.common.burst_select import BurstSelect
from agent_tui.ui.common.key_order import settle_keys
from agent_tui.ui.common.outcomes import DISPOSITION_LABELS
from agent_tui.ui.common.text import clean, duration
from agent_tui.ui.desk.desk_overlays import DeskConfirmScreen
from agent_tui.ui.desk.desk_panel import DeskPanelScreen

DISPOSITIONS: tuple[tuple[str, str], ...] = tuple(DISPOSITION_LABELS.items())
"""(code, English label) of each disposition, in the order offered."""


class WrapUpScreen(DeskPanelScreen[WrapUp | None]):
    """The wrap-up panel. ctrl+s saves; Escape closes it (asking first when something was filled in)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="wrapup.save", priority=True),
        Binding("escape", "discard", "Close", id="wrapup.close", priority=True),
        ENTER_MOVES_ON,
    ]
    DEFAULT_CSS = """
    #wrapup-notes { height: 4; }
    #wrapup-timer { text-style: bold; }
    """

    def __init__(self, session: CallSession, acw_deadline: float | None, values: WrapUp | None = None,
                 changed: Callable[[WrapUp], None] | None = None) -> None:
        super().__init__()
        self.session = session
        self.acw_deadline = acw_deadline
        self.opened = time.monotonic()
        self.values = values or WrapUp()
        """What was typed before (the panel made way for a ring, or was closed): shown again."""
        self.changed = changed
        """Told what is typed as it is typed, so nothing is lost if the time runs out."""
        self._initial: WrapUp | None = None
        self.closed_early = False
        """Its wrap-up was saved: the panel goes as soon as it can (mounted, and on top)."""

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical(classes="panel"):
            yield Static(t("Wrap-up: {number}", number=clean(self.session.number, 40)), classes="panel-title",
                         markup=False)
            yield Static("", id="wrapup-timer", markup=False)
            disposition = self.values.disposition or ("ticket_created" if self.session.tickets else None)
            yield BurstSelect([(t(label), code) for code, label in DISPOSITIONS], prompt=t("Disposition"),
                         id="wrapup-disposition", value=disposition or Select.NULL)
            yield Checkbox(t("Resolved on this call (FCR)"), value=self.values.resolved is not False,
                           id="wrapup-fcr")
            yield Input(self.values.transfer_reason, placeholder=t("Transfer reason (if transferred)"),
                        id="wrapup-transfer", max_length=200)
            yield Static(t("Notes"), id="wrapup-notes-label", classes="field-label")
            yield TextArea(self.values.notes, id="wrapup-notes")
            yield Static("", id="wrapup-error", classes="error", markup=False)
            yield Button(t("Save (ctrl+s)"), id="wrapup-save", variant="primary")

    def on_mount(self) -> None:
        """Start the timer display (or close, when the wrap-up was saved while the panel mounted)."""
        self.set_interval(1.0, self._tick)
        if self.closed_early:
            self.call_after_refresh(self.close)
            return
        self._tick()
        self._initial = self.typed()
        self.set_focus(self.query_one("#wrapup-disposition", Select))

    def close(self) -> None:
        """Close the panel now that its wrap-up is saved. One still mounting closes once mounted (removed
        while its widgets mount, after a time box of 0 s or a ring at once, it stopped the app: NoMatches
        in their on_mount); one covered by another panel closes at its next tick on top."""
        self.closed_early = True
        if self.is_mounted and self.app.screen is self:
            self.dismiss(None)

    def _tick(self) -> None:
        if self.closed_early:  # saved while mounting, or while another panel covered it
            self.close()
            return
        t = self.t.t
        if self.acw_deadline is not None:
            left = max(self.acw_deadline - time.monotonic(), 0)
            text = t("After-call work: {left} left", left=duration(left))
        else:
            text = t("After-call work: {used}", used=duration(time.monotonic() - self.opened))
        self.query_one("#wrapup-timer", Static).update(text)

    def typed(self) -> WrapUp:
        """What the panel holds now."""
        disposition = self.query_one("#wrapup-disposition", Select).value
        return WrapUp(
            disposition=disposition if isinstance(disposition, str) else None,
            resolved=self.query_one("#wrapup-fcr", Checkbox).value,
            transfer_reason=clean(self.query_one("#wrapup-transfer", Input).value, 200),
            notes=clean(self.query_one("#wrapup-notes", TextArea).text, 20_000, one_line=False),
        )

    def _report(self) -> None:
        if self.changed is not None and self.is_mounted:
            self.changed(self.typed())

    def on_select_changed(self, event: Select.Changed) -> None:
        """Keep the model told of what is typed."""
        self._report()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        """Keep the model told of what is typed."""
        self._report()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Keep the model told of what is typed."""
        self._report()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Keep the model told of what is typed."""
        self._report()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        """Save."""
        await self.action_save()

    @property
    def filled(self) -> bool:
        """Whether the agent changed anything since the panel opened."""
        return self._initial is not None and self.typed() != self._initial

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
        typed = self.typed()
        if not typed.disposition:
            self.query_one("#wrapup-error", Static).update(self.t.t("Choose a disposition."))
            self.set_focus(self.query_one("#wrapup-disposition", Select))
            return
        self.dismiss(typed)

    async def action_discard(self) -> None:
        """Close without saving (the model keeps what was typed); a filled wrap-up asks first."""
        select = self.query_one("#wrapup-disposition", Select)
        if select.expanded:
            raise SkipAction()  # Escape closes the open list
        await settle_keys(self)
        if not self.filled:
            self.dismiss(None)
            return
        t = self.t.t

        def answered(close: bool | None) -> None:
            if close:
                self.dismiss(None)

        self.app.push_screen(DeskConfirmScreen(
            t("Close the wrap-up without saving? What you typed stays: F10 reopens it."),
            yes=t("Close (y)"), no=t("Keep editing (n)")), answered)
