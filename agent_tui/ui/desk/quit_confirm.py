"""Asked before ctrl+q closes a desk that would drop a call or leave writes unsent.

Keyboard first. The focus starts on "Keep working", so an Enter typed out of habit quits nothing:

| key | id | action |
|---|---|---|
| y | quit.yes | quit anyway |
| n, escape | quit.no | keep working |

The answer comes back through `dismiss(bool)` (True: quit). With one-key shortcuts off, y and n are
dropped; Tab and Enter on the buttons still answer.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from agent_tui.ui.common.bindings import localize_bindings
from agent_tui.ui.common.context import tr


class QuitConfirmScreen(ModalScreen[bool]):
    """Why quitting now loses something, with "Quit anyway" and "Keep working"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Quit anyway", priority=True, id="quit.yes"),
        Binding("n,escape", "answer(False)", "Keep working", priority=True, id="quit.no"),
    ]
    DEFAULT_CSS = """
    QuitConfirmScreen { align: center middle; }
    QuitConfirmScreen > Vertical {
        width: 64; max-width: 100%; height: auto;
        background: $surface; border: thick $warning; padding: 0 1;
    }
    QuitConfirmScreen #quit-why { height: auto; text-style: bold; margin-bottom: 1; }
    QuitConfirmScreen Horizontal { height: auto; align-horizontal: center; }
    QuitConfirmScreen Button { margin: 0 1; min-width: 16; }
    """

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(id="quit-confirm")
        self.t = tr(self)
        self.reasons = reasons
        """What quitting would lose, one line each, already in the UI language."""
        options = getattr(self.app, "options", None)
        localize_bindings(self, self.t, single_keys=bool(getattr(options, "single_key_shortcuts", True)))

    def compose(self) -> ComposeResult:
        t = self.t.t
        with Vertical():
            yield Static("\n".join([*self.reasons, t("Quit anyway?")]), id="quit-why", markup=False)
            with Horizontal():
                yield Button(t("Keep working"), id="quit-no", variant="primary")
                yield Button(t("Quit anyway"), id="quit-yes", variant="error")

    def on_mount(self) -> None:
        """The safe answer has the focus."""
        self.set_focus(self.query_one("#quit-no", Button))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A button answers."""
        self.dismiss(event.button.id == "quit-yes")

    def action_answer(self, yes: bool) -> None:
        """Answer by key."""
        self.dismiss(yes)
