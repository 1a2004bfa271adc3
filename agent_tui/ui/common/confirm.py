"""A yes/no question before something that loses work (discarding a filled wrap-up or order form).

Keyboard only. The focus starts on the safe answer, so an Enter typed out of habit keeps the work:

| key | id | action |
|---|---|---|
| y | confirm.yes | yes (the action asked about) |
| n, escape | confirm.no | no (keep the work) |
| enter | confirm.enter | the focused answer |
| tab, left, right | | the other answer |

Every key is a priority binding: the answer takes effect before keys behind it in the same read are
routed (see `agent_tui.ui.common.key_order`). With one-key shortcuts off, y and n are dropped and Tab
and Enter still answer. The result comes back through `dismiss(bool)`.
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

YES_ID, NO_ID = "confirm-yes", "confirm-no"


class ConfirmScreen(ModalScreen[bool]):
    """`question` with a yes and a no button; dismisses with True for yes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", priority=True, id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", priority=True, id="confirm.no"),
        Binding("enter", "enter", "Choose", show=False, priority=True, id="confirm.enter"),
        Binding("left,right", "app.focus_next", "Other answer", show=False, priority=True,
                id="confirm.other"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 60; max-width: 100%; height: auto; background: $surface; border: thick $warning;
        padding: 0 1;
    }
    ConfirmScreen #confirm-question { text-style: bold; height: auto; margin-bottom: 1; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: center; }
    ConfirmScreen Button { margin: 0 1; min-width: 14; }
    """

    def __init__(self, question: str, yes: str, no: str) -> None:
        super().__init__()
        self.t = tr(self)
        self.question = question
        self.yes_label = yes
        self.no_label = no
        options = getattr(self.app, "options", None)
        localize_bindings(self, self.t, single_keys=bool(getattr(options, "single_key_shortcuts", True)))

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="confirm-question", markup=False)
            with Horizontal():
                yield Button(self.no_label, id=NO_ID, variant="primary")
                yield Button(self.yes_label, id=YES_ID, variant="error")

    def on_mount(self) -> None:
        """The safe answer has the focus."""
        self.set_focus(self.query_one(f"#{NO_ID}", Button))

    def action_answer(self, yes: bool) -> None:
        """Answer and close."""
        self.dismiss(yes)

    def action_enter(self) -> None:
        """Enter answers with the focused button (no, when none is focused yet)."""
        focused = self.focused
        self.dismiss(isinstance(focused, Button) and focused.id == YES_ID)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A click on a button."""
        event.stop()
        self.dismiss(event.button.id == YES_ID)
