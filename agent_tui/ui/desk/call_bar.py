"""The call bar under the status bar: the ringing banner and the call in progress.

The ringing line shows number, customer name, queue and waiting time as soon as the phone rings,
before any lookup finishes. Caller names are data: they are cleaned and shown as plain text.

Both lines always take exactly one row, shown or not: a banner that appeared or vanished would move
everything under it, and the terminal would get the whole screen again on every ring (see
bench/terminal_bytes.py). For the same reason their updates skip Textual's layout pass.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class RingingBanner(Static):
    """A ringing call: number, name, queue, waiting time. An empty row when nothing rings."""

    DEFAULT_CSS = """
    RingingBanner {
        width: 1fr;
        height: 1;
        background: $surface;
        color: $foreground;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    RingingBanner.-shown {
        background: $call-ringing 60%;
        text-style: bold reverse;
    }
    """

    def __init__(self) -> None:
        super().__init__("", id="ringing", markup=False)
        self._shown = ""
        self.repaints = 0
        """How often the banner changed (tests check that unchanged text costs nothing)."""

    def show(self, text: Text | None) -> None:
        """Show `text`, or empty the banner with `None`."""
        plain = text.plain if text is not None else ""
        if plain == self._shown:
            return
        self._shown = plain
        self.repaints += 1
        self.set_class(text is not None, "-shown")
        self.update(text or "", layout=False)  # one row whatever the text: nothing moves

    @property
    def shown(self) -> str:
        """The banner's plain text ('' when nothing rings)."""
        return self._shown


class CallLine(Static):
    """The call in progress: who, how long, held/muted marks. Shows an idle hint otherwise."""

    DEFAULT_CSS = """
    CallLine {
        width: 1fr;
        height: 1;
        background: $surface;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    CallLine.-active { background: $agent-on-call 30%; text-style: bold; }
    CallLine.-held { text-style: bold italic underline; }
    """

    def __init__(self) -> None:
        super().__init__("", id="call-line", markup=False)
        self._shown = ""

    def show(self, text: Text, *, active: bool, held: bool = False) -> None:
        """Show the line; repaints only when it changed."""
        key = f"{text.plain}|{active}|{held}"
        if key == self._shown:
            return
        self._shown = key
        if self.has_class("-active") != active or self.has_class("-held") != held:
            self.set_class(active, "-active", update=False)
            self.set_class(held, "-held", update=False)
            self.update_node_styles()  # one style pass for both classes
        self.update(text, layout=False)  # one row whatever the text: nothing moves

    @property
    def shown(self) -> str:
        """The line's plain text."""
        return self._shown.split("|", 1)[0]
