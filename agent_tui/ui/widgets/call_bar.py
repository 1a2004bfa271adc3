"""The call bar under the status bar: the ringing banner and the call in progress.

The ringing line shows number, customer name, queue and waiting time as soon as the phone rings,
before any lookup finishes. Caller names are data: they are cleaned and shown as plain text.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class RingingBanner(Static):
    """A ringing call: number, name, queue, waiting time. Hidden when nothing rings."""

    DEFAULT_CSS = """
    RingingBanner {
        height: auto;
        max-height: 2;
        display: none;
        background: $call-ringing 60%;
        color: $foreground;
        text-style: bold reverse;
        padding: 0 1;
    }
    RingingBanner.-shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__("", id="ringing", markup=False)
        self._shown = ""

    def show(self, text: Text | None) -> None:
        """Show `text`, or hide the banner with `None`."""
        plain = text.plain if text is not None else ""
        if plain == self._shown:
            return
        self._shown = plain
        self.set_class(text is not None, "-shown")
        self.update(text or "")

    @property
    def shown(self) -> str:
        """The banner's plain text ('' when hidden)."""
        return self._shown


class CallLine(Static):
    """The call in progress: who, how long, held/muted marks. Shows an idle hint otherwise."""

    DEFAULT_CSS = """
    CallLine {
        height: 1;
        background: $surface;
        padding: 0 1;
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
        self.set_class(active, "-active")
        self.set_class(held, "-held")
        self.update(text)

    @property
    def shown(self) -> str:
        """The line's plain text."""
        return self._shown.split("|", 1)[0]
