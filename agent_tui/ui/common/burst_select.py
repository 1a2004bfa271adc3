"""A choice list that takes keys typed in one burst in order: Enter, a few letters, Enter, Tab.

Measured with textual 8.2.8 in tmux (QA, issue 11): on the wrap-up, `Enter inf Enter Tab Tab Tab notes`
sent in one read left the disposition empty. Textual's `Select` opens its list on Enter but moves the
focus to it later, through the App's queue, behind the keys already read: the letters that should
have searched the list went to the closed Select. And once an option is picked, or the list closes,
`Select` takes the focus back the same late way, after the Tab typed behind the pick had already moved
on: what the agent typed next went into the list again.

`BurstSelect` gives the list the focus at once when it opens, takes it back at once after a pick or a
close (while it is still on the list), and the list's own late focus move on opening happens only
while the focus is still on this Select or its list. Everything else is Textual's `Select`.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Generic, Self, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.dom import NoScreen
from textual.widget import Widget
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay

T = TypeVar("T")


def _inside(widget: Widget, owner: Widget) -> bool:
    """Whether `widget` is `owner` or one of its children (the list, the current value)."""
    return widget is owner or widget.parent is owner


class _BurstOverlay(SelectOverlay):
    """The open list: a late focus move is dropped once the list has closed or the focus moved on."""

    def focus(self, scroll_visible: bool = True) -> Self:
        """Take the focus later, if the list is still open and nothing else took the focus meanwhile."""
        def take() -> None:
            select = self.parent
            with suppress(NoScreen):  # the step that held the list may be gone by now (PgDn in the burst)
                focused = self.screen.focused
                if (isinstance(select, Select) and select.expanded
                        and (focused is None or _inside(focused, select))):
                    self.screen.set_focus(self, scroll_visible=False)

        self.app.call_later(take)
        return self


class BurstSelect(Select[T], Generic[T]):
    """Textual's `Select`, with the focus where the keys of a burst go (see the module docstring)."""

    _after_pick = False
    """Set while Textual's own pick/close handler runs: its focus move is checked first."""

    def compose(self) -> ComposeResult:
        """Textual's parts, with the list that drops late focus moves."""
        yield SelectCurrent(self.prompt)
        yield _BurstOverlay(type_to_search=self._type_to_search).data_bind(compact=Select.compact)

    def action_show_overlay(self) -> None:
        """Open the list and give it the focus now: the keys typed behind Enter are for it."""
        super().action_show_overlay()
        self.screen.set_focus(self.query_one(SelectOverlay), scroll_visible=False)

    @on(SelectOverlay.UpdateSelection)
    def _mark_pick(self) -> None:
        # Runs before Select's own handler (subclass first), which then calls `focus()`.
        self._after_pick = True

    @on(SelectOverlay.Dismiss)
    def _mark_close(self, event: SelectOverlay.Dismiss) -> None:
        # Select's handler calls `focus()` only when the list closed without losing the focus.
        self._after_pick = not event.lost_focus

    def focus(self, scroll_visible: bool = True) -> Self:
        """Take the focus; after a pick or a close, at once and only if the focus is still on this list.

        At once, not later: the closed list leaves the focus chain with this very pick, so a Tab the
        App routes before a late move would find the focus on a widget outside the chain and start
        again at the form's first field (a Tab lost: the wrap-up's notes typed behind `Enter wro Enter
        Tab Tab` went to the FCR checkbox, measured under load).
        """
        if not self._after_pick:
            return super().focus(scroll_visible)
        self._after_pick = False
        with suppress(NoScreen):  # the step that held the list may be gone by now (PgDn in the burst)
            focused = self.screen.focused
            if focused is None or _inside(focused, self):
                self.screen.set_focus(self, scroll_visible=scroll_visible)
        return self
