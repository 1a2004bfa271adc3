"""The desk's footer: the keys that matter most first, and only as many as fit (none cut in half).

Textual's footer lists the screen's keys before the App's, in declaration order, and cuts the row at
the terminal's edge: at 80 columns the call keys (answer, hang up, hold) were the ones cut. This footer
orders the keys by `KEY_ORDER` (call control, then the work of the screen, then help) and leaves out,
whole, what does not fit; every key stays in the F1 list. The row is compact and has no command palette
key (ctrl+p still opens it; F1 says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from agent_tui.ui.common.context import tr

KEY_ORDER: tuple[str, ...] = (
    "desk.answer", "desk.hangup", "desk.hold",
    "form.next", "form.submit", "form.card", "form.back", "form.close",
    "desk.ready", "desk.order", "desk.wrapup",
    "app.help",
)
"""Binding ids in the order their keys are shown; other keys follow in Textual's order."""
KEY_GAP = 1
"""Columns between two keys in the compact footer (its `margin-right`)."""
LABEL_CHOICES: dict[str, tuple[str, ...]] = {"desk.ready": ("Ready", "Not Ready")}
"""Labels (English keys) a key shows in turn: F2 follows the agent's state. When the row has room, the
key takes the widest one's width from the start, so no relabel ever costs a layout pass (the first
"Not Ready" did, on the session's first screen pop: docs/performance.md, "Fourth round")."""


def key_width(key_display: str, description: str) -> int:
    """Columns one key takes in the compact footer: `F4 Hang up` and the gap after it."""
    return cell_len(key_display) + 1 + cell_len(description) + KEY_GAP


@dataclass(frozen=True)
class FooterPlanKey:
    """One key the footer shows, with what it says."""

    binding_id: str
    key: str
    display: str
    description: str
    action: str
    enabled: bool
    tooltip: str


class DeskFooterKey(FooterKey):
    """A footer key that keeps the width it reserved: a shorter label is padded, so nothing moves."""

    reserve = 0
    """Columns the label takes at least."""

    def render(self) -> Text:
        shown = super().render()
        missing = self.reserve - cell_len(self.description)
        if missing > 0:
            shown.append(" " * missing)
        return shown


class DeskFooter(Footer):
    """Footer of the desk's screens: most important keys first, nothing clipped."""

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self._laid_out_for = 0
        self.keys_shown: list[str] = []
        """Binding ids shown now, in order (tests check the order and that nothing was cut)."""
        self._shown_plan: list[FooterPlanKey] | None = None
        """The keys as composed or last relabelled (None: not composed yet)."""
        self._reserved: list[int] = []
        """Columns each shown key's label takes (at least its text: a shorter label is padded)."""

    def _plan(self) -> list[FooterPlanKey]:
        """The keys to show at the App's width, in order: what `compose` yields."""
        width = self.app.size.width
        rank = {binding_id: index for index, binding_id in enumerate(KEY_ORDER)}
        seen: set[str] = set()
        rows = []
        for position, (_node, binding, enabled, tooltip) in enumerate(self.screen.active_bindings.values()):
            if not binding.show or binding.action in seen:
                continue  # one key per action, as Textual's footer shows them
            seen.add(binding.action)
            rows.append((rank.get(binding.id or "", len(KEY_ORDER) + position), binding, enabled, tooltip))
        rows.sort(key=lambda row: row[0])
        used = 0
        plan: list[FooterPlanKey] = []
        t = tr(self).t  # widgets' own keys (a Select's "Dismiss menu") come in English
        for _rank, binding, enabled, tooltip in rows:
            display = self.app.get_key_display(binding)
            description = t(binding.description)
            needed = key_width(display, description)
            if used + needed - KEY_GAP > width:
                continue  # left out whole; a shorter one further down may still fit
            used += needed
            plan.append(FooterPlanKey(binding.id or binding.action, binding.key, display, description,
                                      binding.action, enabled, tooltip))
        return plan

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._laid_out_for = self.app.size.width
        plan = self._plan()
        self._shown_plan = plan
        self._reserved = self._widest_labels(plan)
        if self._row_width(plan, self._reserved) > self.app.size.width:
            self._reserved = [cell_len(key.description) for key in plan]
        self.keys_shown = [key.binding_id for key in plan]
        for planned, cells in zip(plan, self._reserved, strict=True):
            key = DeskFooterKey(planned.key, planned.display, planned.description, planned.action,
                                disabled=not planned.enabled, tooltip=planned.tooltip)
            key.reserve = cells
            # Set, not data_bind: a data binding leaves a watcher on the footer for every key ever
            # composed.
            key.compact = self.compact
            yield key

    def _widest_labels(self, plan: list[FooterPlanKey]) -> list[int]:
        """Columns each key's label takes at most: its own, or the widest of its `LABEL_CHOICES`."""
        t = tr(self).t
        return [max([cell_len(key.description), *(cell_len(t(label)) for label in
                                                  LABEL_CHOICES.get(key.binding_id, ()))]) for key in plan]

    @staticmethod
    def _row_width(plan: list[FooterPlanKey], reserved: list[int]) -> int:
        """Columns the row takes with each key's label padded to `reserved`."""
        return sum(key_width(key.display, " " * cells) for key, cells in zip(plan, reserved, strict=True)) \
            - KEY_GAP

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Bindings changed: relabel the keys in place when the same keys stay, else compose again.

        F2's label follows the agent's state, so it changes twice a ring. Composing the footer again
        removes and mounts every key (a CSS pass for each): that was the biggest single cost of a ring
        cycle (`docs/performance.md`). A label changed in place costs nothing but its key's repaint
        when it is no wider than the widest it has shown; a wider one costs a layout pass.
        """
        if not (self._bindings_ready and self.is_attached and screen is self.screen
                and screen.app.app_focus and self._shown_plan is not None):
            super().bindings_changed(screen)
            return
        plan = self._plan()
        keys = list(self.query_children(DeskFooterKey))
        same_keys = len(keys) == len(plan) == len(self._shown_plan) and all(
            (new.binding_id, new.key, new.display) == (old.binding_id, old.key, old.display)
            for new, old in zip(plan, self._shown_plan, strict=True))
        if not same_keys:
            super().bindings_changed(screen)
            return
        # A shorter label keeps its key's width (padded): no layout pass, nothing beside it moves. A
        # FooterKey that changes width costs two (the footer's, then its own size update).
        reserved = [max(cell_len(new.description), cells)
                    for new, cells in zip(plan, self._reserved, strict=True)]
        if self._row_width(plan, reserved) > self.app.size.width:
            super().bindings_changed(screen)  # the padding would push the last key off the row
            return
        for widget, new, old, cells, before in zip(keys, plan, self._shown_plan, reserved, self._reserved,
                                                  strict=True):
            if new == old:
                continue
            widget.description = new.description
            widget.reserve = cells
            widget._disabled = not new.enabled  # what FooterKey's mouse handler reads
            widget.set_class(not new.enabled, "-disabled")
            widget.tooltip = new.tooltip or None
            widget.refresh(layout=cells != before)
        self._shown_plan = plan
        self._reserved = reserved

    def on_mount(self) -> None:
        """Hear binding changes at once, in the handler that made them; Textual's footer hears them on
        its own queue, later, so F2's relabel drew a frame of its own after the state it follows had
        been drawn: a frame more per ring cycle (docs/performance.md, "Third round")."""
        self.call_next(self._hear_bindings_at_once)  # after Footer.on_mount has subscribed

    def _hear_bindings_at_once(self) -> None:
        signal = self.screen.bindings_updated_signal
        signal.unsubscribe(self)
        signal.subscribe(self, self.bindings_changed, immediate=True)

    def on_resize(self, event: events.Resize) -> None:
        """Choose the keys again for the new width."""
        if self._bindings_ready and self.app.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)
