"""Typing a text hint for a trainee (shown on their desk at once)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from agent_tui.ui.common.key_order import KeyGate
from agent_tui.ui.common.text import clean
from agent_tui.ui.train.panel import TrainPanel


class HintScreen(TrainPanel[str | None]):
    """One line of text; Enter sends it."""

    def __init__(self, trainee: str) -> None:
        super().__init__()
        self.trainee = trainee
        self.key_gate = KeyGate()
        """Open once the text box has the focus: a hint typed right behind F4 goes into it."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            title = self.t.t("Hint for {trainee}", trainee=clean(self.trainee, 64))
            yield Static(title, classes="panel-title", markup=False)
            yield Input(id="hint-text", max_length=300, placeholder=self.t.t("e.g. Read the address back."))
            yield Static(self.t.t("Enter sends, Escape cancels."), classes="hint", markup=False)

    def on_mount(self) -> None:
        """Focus the text."""
        self.set_focus(self.query_one("#hint-text", Input))  # at once, not behind the keys typed
        self.key_gate.open()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter."""
        self.dismiss(event.value.strip() or None)
