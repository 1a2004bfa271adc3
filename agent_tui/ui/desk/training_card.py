"""The score card of a training call as the desk shows it: under the call strip, F3/F4/F5 working.

The card pops up as a training call ends, and the trainer often launches the next scenario while the
trainee still reads it (a real caller may ring too): a plain panel hid the ring and took F3 without
answering.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType

from agent_tui.ui.desk.call_strip import CALL_BINDINGS, CallStrip
from agent_tui.ui.desk.desk_overlays import STRIP_ON_TOP
from agent_tui.ui.train.card_screen import ScoreCardScreen


class DeskScoreCardScreen(ScoreCardScreen):
    """A training score card under the call strip."""

    BINDINGS: ClassVar[list[BindingType]] = [*CALL_BINDINGS]
    DEFAULT_CSS = f"DeskScoreCardScreen {STRIP_ON_TOP}"

    def on_mount(self) -> None:
        """Add the call strip on the first row (the card's own on_mount still focuses its body)."""
        self.mount(CallStrip())
