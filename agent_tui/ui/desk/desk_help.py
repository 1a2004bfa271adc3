"""F1 help and the command palette on the desk: the call stays in view and the call keys work.

The common key list is a plain panel; over the desk it filled the screen (status bar and ringing
banner included at 120x40), so a caller rang unseen while the agent read it and F3 did nothing.
The palette leaves the strip in view but took F3 without acting on it.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType

from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.common.palette import LocalizedPalette
from agent_tui.ui.desk.call_strip import CALL_BINDINGS, CallStrip


class DeskHelpScreen(HelpScreen):
    """The key list of a desk screen; the call stays in view and in reach (as on every desk panel)."""

    BINDINGS: ClassVar[list[BindingType]] = [*CALL_BINDINGS]
    DEFAULT_CSS = """
    DeskHelpScreen > CallStrip { dock: top; }
    """

    def on_mount(self) -> None:
        """Add the call strip on the first row."""
        self.mount(CallStrip())


class DeskPalette(LocalizedPalette):
    """The command palette over the desk: F3, F4 and F5 still answer, hang up and hold."""

    BINDINGS: ClassVar[list[BindingType]] = [*CALL_BINDINGS]
