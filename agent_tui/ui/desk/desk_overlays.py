"""The common screens (F1 help, the command palette, the Not Ready reason, yes/no questions) as the
desk shows them: the call stays in view and F3, F4 and F5 work over them, as on every desk panel.

A modal screen covers the desk and cuts the App's bindings. Over the desk the key list filled the
screen (status bar and ringing banner included at 120x40), the reason list and the questions hid the
desk, so a caller rang unseen while the agent read them and F3 did nothing; the palette left the strip
in view but took F3 without acting on it.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType

from agent_tui.ui.common.confirm import ConfirmScreen
from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.common.palette import LocalizedPalette
from agent_tui.ui.common.reason import ReasonScreen
from agent_tui.ui.desk.call_strip import CALL_BINDINGS, CallStrip

STRIP_ON_TOP = "> CallStrip { dock: top; }"


class DeskHelpScreen(HelpScreen):
    """The key list of a desk screen, under the call strip."""

    BINDINGS: ClassVar[list[BindingType]] = [*CALL_BINDINGS]
    DEFAULT_CSS = f"DeskHelpScreen {STRIP_ON_TOP}"

    def on_mount(self) -> None:
        """Add the call strip on the first row."""
        self.mount(CallStrip())


class DeskReasonScreen(ReasonScreen):
    """Not Ready: why? — under the call strip (F2 is often pressed just as a call comes in)."""

    BINDINGS: ClassVar[list[BindingType]] = [*CALL_BINDINGS]
    DEFAULT_CSS = f"DeskReasonScreen {STRIP_ON_TOP}"

    def on_mount(self) -> None:
        """Add the call strip on the first row."""
        self.mount(CallStrip())


class DeskConfirmScreen(ConfirmScreen):
    """A yes/no question over the desk (quit, leave a form, close a wrap-up), under the call strip."""

    BINDINGS: ClassVar[list[BindingType]] = [*CALL_BINDINGS]
    DEFAULT_CSS = f"DeskConfirmScreen {STRIP_ON_TOP}"

    def on_mount(self) -> None:
        """Add the call strip on the first row."""
        self.mount(CallStrip())


class DeskPalette(LocalizedPalette):
    """The command palette over the desk (the strip shows through it): F3, F4 and F5 still work."""

    BINDINGS: ClassVar[list[BindingType]] = [*CALL_BINDINGS]
