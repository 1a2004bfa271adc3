"""F1 help on the desk: the key list with the call strip on top and the call keys working.

The common key list is a plain panel; over the desk it filled the screen (status bar and ringing
banner included at 120x40), so a caller rang unseen while the agent read it and F3 did nothing.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType

from agent_tui.ui.common.help import HelpScreen
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
