"""The ringing banner under the status bar (the call in progress is on the call strip, call_strip.py).

The ringing line shows number, customer name, queue and waiting time. When the phone rings, the desk's
first paint waits up to RING_GRACE_S (desk_events.py, 30 ms) for the screen-pop lookup: a quick lookup
puts this banner and the customer card in one frame; otherwise the banner is drawn when the grace ends,
without waiting for the lookup, and the card follows when the lookup answers. Caller names are data:
they are cleaned and shown as plain text.

The banner always takes exactly one row, shown or not: a banner that appeared or vanished would move
everything under it, and the terminal would get the whole screen again on every ring (see
bench/terminal_bytes.py). For the same reason its updates skip Textual's layout pass.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static


class RingingBanner(Static):
    """A ringing call: number, name, queue, waiting time. An empty row when nothing rings."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"ringing-banner--shown"}
    """The look of a ringing call's row, applied as the row is drawn: a ring swaps no CSS class."""
    DEFAULT_CSS = """
    RingingBanner {
        width: 1fr;
        height: 1;
        background: $surface;
        color: $foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    RingingBanner > .ringing-banner--shown {
        background: $call-ringing 60%;
        text-style: bold reverse;
    }
    """

    def __init__(self) -> None:
        super().__init__("", id="ringing", markup=False)
        self._shown = ""
        self._text: Text | None = None
        self.repaints = 0
        """How often the banner changed (tests check that unchanged text costs nothing)."""

    def show(self, text: Text | None) -> None:
        """Show `text`, or empty the banner with `None`."""
        plain = text.plain if text is not None else ""
        if plain == self._shown:
            return
        self._shown = plain
        self.repaints += 1
        self._text = text.copy() if text is not None else None
        self.refresh()  # one row whatever the text: nothing moves, no layout pass

    def render(self) -> Text:
        """The row: empty, or the ringing call across the whole width in the ringing look."""
        if self._text is None:
            return Text()
        row = Text.assemble(" ", self._text)
        row.truncate(self.size.width, overflow="ellipsis", pad=True)
        row.stylize_before(self.get_component_rich_style("ringing-banner--shown"))
        return row

    @property
    def shown(self) -> str:
        """The banner's plain text ('' when nothing rings)."""
        return self._shown
