"""The base of every pop-up panel: a modal screen with a title, Escape to close, keys translated."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from agent_tui.ui.common.bindings import localize_bindings
from agent_tui.ui.common.context import tr

ResultT = TypeVar("ResultT")


class PanelScreen(ModalScreen[ResultT]):
    """A modal panel; subclasses compose a `Vertical(classes="panel")` with their content."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="panel.close"),
    ]
    DEFAULT_CSS = """
    PanelScreen { align: center middle; }
    PanelScreen > .panel {
        width: 90%;
        max-width: 100;
        height: auto;
        max-height: 100%;
        overflow-y: auto;
        background: $surface;
        border: round $primary;
        padding: 0 1;
    }
    PanelScreen .panel-title { text-style: bold reverse; width: 1fr; padding: 0 1; }
    PanelScreen .hint { color: $foreground 70%; text-style: italic; }
    PanelScreen .error { color: $field-error; text-style: bold; }
    PanelScreen Input { margin: 0; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.t = tr(self)
        options = getattr(self.app, "options", None)
        single = bool(getattr(options, "single_key_shortcuts", True))
        localize_bindings(self, self.t, single_keys=single)

    def action_close(self) -> None:
        """Close without a result."""
        self.dismiss(None)
