"""The status bar: agent state and time in it, SIP health, backend link, today's figures, a clock.

Cells are updated by the desk with `show()`; a cell repaints only when its text or class changes, so
an idle desk writes nothing to the terminal except the clock cell (once a minute, or once a second).
A cell whose text keeps its width (the clock, a counter) skips Textual's layout pass: only that cell
is drawn again.
"""

from __future__ import annotations

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
        self.repaints = 0
        """How often the cell changed (an idle desk must only change its clock)."""

    def show(self, text: str | Text, css_class: str = "") -> bool:
        """Display `text` with one of STATE_CLASSES; returns whether anything changed."""
        plain = text.plain if isinstance(text, Text) else text
        if (plain, css_class) == self._shown:
            return False
        width = self.styles.width
        fixed = width is not None and not width.is_auto  # the state cell takes what is left (1fr)
        same_width = fixed or cell_len(plain) == cell_len(self._shown[0])
        old_class = self._shown[1]
        self._shown = (plain, css_class)
        self.repaints += 1
        if css_class != old_class:
            # One style pass for the swap, not one per class.
            for name in STATE_CLASSES:
                self.set_class(name == css_class, name, update=False)
            self.update_node_styles()
        self.update(text if isinstance(text, Text) else Text(text), layout=not same_width)
        return True

    @property
    def shown(self) -> str:
        """The plain text shown now."""
        return self._shown[0]


class StatusBar(Horizontal):
    """One line across the top of the desk."""

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
        padding: 0 1;
    }
    StatusBar #status-state { width: 1fr; text-style: bold; }
    StatusBar #status-clock { min-width: 7; }
    StatusBar .-ready { background: $agent-ready 40%; }
    StatusBar .-not-ready { background: $agent-not-ready 40%; text-style: bold italic; }
    StatusBar .-acw { background: $agent-acw 40%; text-style: bold underline; }
    StatusBar .-on-call { background: $agent-on-call 40%; text-style: bold reverse; }
    StatusBar .-warn { color: $warning; text-style: bold underline; }
    StatusBar .-bad { color: $error; text-style: bold reverse; }
    """

    def compose(self) -> ComposeResult:
        for cell in CELLS:
            yield StatusCell(cell)

    def cell(self, name: str) -> StatusCell:
        """The cell called `name` (one of CELLS)."""
        return self.query_one(f"#status-{name}", StatusCell)
