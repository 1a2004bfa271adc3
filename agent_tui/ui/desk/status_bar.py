"""The status bar: agent state and time in it, SIP health, backend link, today's figures, a clock.

Cells are updated by the desk with `show()`; a cell repaints only when its text or look changes, so
an idle desk writes nothing to the terminal except the clock cell (once a minute, or once a second).
A cell whose text keeps its width (the clock, a counter) skips Textual's layout pass: only that cell
is drawn again.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

CELLS = ("state", "sip", "link", "stats", "clock")
STATE_CLASSES = ("-ready", "-not-ready", "-acw", "-on-call", "-warn", "-bad", "-ok")


class StatusCell(Static):
    """One cell of the status bar; remembers what it shows so repeats cost nothing."""

    def __init__(self, cell: str) -> None:
        super().__init__("", id=f"status-{cell}", classes="status-cell", markup=False)
        self._shown: tuple[str, str] = ("", "")
        self._text = Text()
        self.repaints = 0
        """How often the cell changed (an idle desk must only change its clock)."""

    def show(self, text: str | Text, css_class: str = "") -> bool:
        """Display `text` in one of STATE_CLASSES' looks; returns whether anything changed.

        The look is the bar's component style for the class, applied to the text as it is drawn:
        a state change swaps no CSS class, so it costs no style pass over the bar.
        """
        plain = text.plain if isinstance(text, Text) else text
        if (plain, css_class) == self._shown:
            return False
        old = self._shown[0]
        self._shown = (plain, css_class)
        self.repaints += 1
        width = self.styles.width
        fixed = width is not None and not width.is_auto  # the state cell takes what is left (1fr)
        same_width = fixed or cell_len(plain) == cell_len(old)
        self._text = text.copy() if isinstance(text, Text) else Text(text)
        self.refresh(layout=not same_width)
        if not same_width and self.parent is not None:
            # The cells beside this one move: the bar lays out and repaints them all (a cell drawn at
            # its old place left "SIP ok  …  Onli" on an 80-column tmux pane).
            self.parent.refresh(layout=True)
        return True

    def render(self) -> Text:
        """The text with a space either side, in its look (read from the theme as it is drawn)."""
        shown = Text.assemble(" ", self._text, " ")
        bar = self.parent
        css_class = self._shown[1]
        if css_class and isinstance(bar, StatusBar):
            shown.stylize_before(bar.get_component_rich_style(f"status-bar-{css_class}"))
        return shown

    @property
    def shown(self) -> str:
        """The plain text shown now."""
        return self._shown[0]


class StatusBar(Horizontal):
    """One line across the top of the desk."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"status-bar-{name}" for name in STATE_CLASSES}
    """The looks of a cell's text (`status-bar--ready`...), applied by the cell as it draws."""
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        dock: top;
        background: $panel;
        color: $foreground;
    }
    StatusBar .status-cell {
        width: auto;
        height: 1;
    }
    StatusBar #status-state { width: 1fr; text-style: bold; }
    StatusBar #status-clock { min-width: 7; }
    StatusBar > .status-bar--ready { background: $agent-ready 40%; }
    StatusBar > .status-bar--not-ready { background: $agent-not-ready 40%; text-style: bold italic; }
    StatusBar > .status-bar--acw { background: $agent-acw 40%; text-style: bold underline; }
    StatusBar > .status-bar--on-call { background: $agent-on-call 40%; text-style: bold reverse; }
    StatusBar > .status-bar--warn { color: $warning; text-style: bold underline; }
    StatusBar > .status-bar--bad { color: $error; text-style: bold reverse; }
    StatusBar > .status-bar--ok { text-style: none; }
    """

    def compose(self) -> ComposeResult:
        # Kept by name: the desk paints the bar several times a ring, and a query by id walks the DOM.
        self._cells = {cell: StatusCell(cell) for cell in CELLS}
        yield from self._cells.values()

    def cell(self, name: str) -> StatusCell:
        """The cell called `name` (one of CELLS)."""
        return self._cells[name]
