"""The base of the desk's pop-up panels: a panel with the call strip on top and the call keys working.

A modal screen hides the App's bindings and covers the desk, so a panel over the desk (work-order
list, wrap-up, knowledge base, transfer...) would hide the call and its keys. Each desk panel adds the
call strip docked on its first row (fed from the App like every strip) and the strip's keys (F3
answer, F4 hang up, F5 hold): the call stays in view and in reach whatever panel is open.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import BindingType

from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.desk.call_strip import CALL_BINDINGS, CallStrip

ResultT = TypeVar("ResultT")


class DeskPanelScreen(PanelScreen[ResultT]):
    """A desk panel: the subclass composes its `Vertical(classes="panel")`; the strip comes with it."""

    BINDINGS: ClassVar[list[BindingType]] = [*CALL_BINDINGS]
    DEFAULT_CSS = """
    DeskPanelScreen > CallStrip { dock: top; }
    """

    def on_mount(self) -> None:
        """Add the call strip (Textual runs each class's on_mount: subclasses need not call this)."""
        self.mount(CallStrip())
