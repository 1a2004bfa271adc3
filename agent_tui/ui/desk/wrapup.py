"""Wrap-up: disposition, first-call-resolved, transfer reason, notes; shows the after-call-work timer."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from agent_tui.ui.common.text import clean, duration
from agent_tui.ui.desk.calls import CallSession
from agent_tui.ui.desk.desk_panel import DeskPanelScreen

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


class WrapUpScreen(DeskPanelScreen[WrapUp | None]):
    """The wrap-up panel. ctrl+s saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="wrapup.save"),
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
        self.query_one("#wrapup-disposition", Select).focus()

    def _tick(self) -> None:
        t = self.t.t
        if self.acw_deadline is not None:
            left = max(self.acw_deadline - time.monotonic(), 0)
            text = t("After-call work: {left} left", left=duration(left))
        else:
            text = t("After-call work: {used}", used=duration(time.monotonic() - self.opened))
        self.query_one("#wrapup-timer", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Save."""
        self.action_save()

    def action_save(self) -> None:
        """Check and return the wrap-up."""
        disposition = self.query_one("#wrapup-disposition", Select).value
        if not isinstance(disposition, str):
            self.query_one("#wrapup-error", Static).update(self.t.t("Choose a disposition."))
            self.query_one("#wrapup-disposition", Select).focus()
            return
        self.dismiss(WrapUp(
            disposition=disposition,
            resolved=self.query_one("#wrapup-fcr", Checkbox).value,
            transfer_reason=clean(self.query_one("#wrapup-transfer", Input).value, 200),
            notes=clean(self.query_one("#wrapup-notes", TextArea).text, 20_000, one_line=False),
        ))
