"""Wrap-up: disposition, first-call-resolved, transfer reason, notes; shows the after-call-work timer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from agent_tui.desk.calls import CallSession
from agent_tui.desk.wrapup import WrapUp as WrapUp
from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean, duration

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


class WrapUpScreen(PanelScreen[WrapUp | None]):
    """The wrap-up panel. ctrl+s saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="wrapup.save"),
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

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical(classes="panel"):
            yield Static(t("Wrap-up: {number}", number=clean(self.session.number, 40)), classes="panel-title",
                         markup=False)
            yield Static("", id="wrapup-timer", markup=False)
            disposition = self.values.disposition or ("ticket_created" if self.session.tickets else None)
            yield Select([(t(label), code) for code, label in DISPOSITIONS], prompt=t("Disposition"),
                         id="wrapup-disposition", value=disposition or Select.NULL)
            yield Checkbox(t("Resolved on this call (FCR)"), value=self.values.resolved is not False,
                           id="wrapup-fcr")
            yield Input(self.values.transfer_reason, placeholder=t("Transfer reason (if transferred)"),
                        id="wrapup-transfer", max_length=200)
            yield TextArea(self.values.notes, id="wrapup-notes")
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
        self.dismiss(self.typed())
