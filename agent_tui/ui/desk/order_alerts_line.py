"""One line on the desk naming the newest alert about the agent's own orders (`[desk] order_alerts`).

It sits under the call strip and takes no focus and no key: a ringing call's banner stays where it
is and keeps the keys. Hidden until the first alert; the line says how many more there are.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from agent_tui.desk.order_alerts import OrderAlertBook, alert_msgid
from agent_tui.domain.sla import OrderAlertLevel
from agent_tui.i18n import Translator
from agent_tui.ui.common.text import clean


class OrderAlertLine(Static, can_focus=False):
    """The newest alert of this agent's orders, and how many there are."""

    DEFAULT_CSS = """
    OrderAlertLine { height: 1; display: none; padding: 0 1; text-style: bold; }
    OrderAlertLine.-shown { display: block; }
    OrderAlertLine.-breached { color: $sla-breach; }
    """

    text: reactive[str] = reactive("", layout=True)
    """What the line says (empty: hidden)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)

    def watch_text(self, text: str) -> None:
        """Show the line once there is something to say."""
        self.set_class(bool(text), "-shown")
        self.update(Content(text))

    def show_book(self, t: Translator, book: OrderAlertBook) -> None:
        """Paint the newest alert of `book`."""
        newest = book.newest
        if newest is None:
            self.text = ""
            return
        when = newest.due_at.astimezone().strftime("%H:%M")
        line = t.t(alert_msgid(newest), number=clean(newest.number, 32), segment=clean(newest.segment, 20),
                   time=when)
        more = len(book.alerts) - 1
        # The count goes first: at 80 columns the end of a long line is cut, the count must not be.
        line = f"⚠ {t.t('+{count} more', count=more)} · {line}" if more else f"⚠ {line}"
        self.set_class(newest.level == OrderAlertLevel.BREACHED, "-breached")
        self.text = line
