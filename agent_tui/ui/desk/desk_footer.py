"""The desk's footer: the keys that matter most first, and only as many as fit (none cut in half).

Textual's footer lists the screen's keys before the App's, in declaration order, and cuts the row at
the terminal's edge: at 80 columns the call keys (answer, hang up, hold) were the ones cut. This footer
orders the keys by `KEY_ORDER` (call control, then the work of the screen, then help) and leaves out,
whole, what does not fit; every key stays in the F1 list. The row is compact and has no command palette
key (ctrl+p still opens it; F1 says so).
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
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


def key_width(key_display: str, description: str) -> int:
    """Columns one key takes in the compact footer: `F4 Hang up` and the gap after it."""
    return cell_len(key_display) + 1 + cell_len(description) + KEY_GAP


class DeskFooter(Footer):
    """Footer of the desk's screens: most important keys first, nothing clipped."""

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self._laid_out_for = 0
        self.keys_shown: list[str] = []
        """Binding ids shown now, in order (tests check the order and that nothing was cut)."""

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.app.size.width
        self._laid_out_for = width
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
        self.keys_shown = []
        t = tr(self).t  # widgets' own keys (a Select's "Dismiss menu") come in English
        for _rank, binding, enabled, tooltip in rows:
            display = self.app.get_key_display(binding)
            description = t(binding.description)
            needed = key_width(display, description)
            if used + needed - KEY_GAP > width:
                continue  # left out whole; a shorter one further down may still fit
            used += needed
            self.keys_shown.append(binding.id or binding.action)
            key = FooterKey(binding.key, display, description, binding.action,
                            disabled=not enabled, tooltip=tooltip)
            # Set, not data_bind: a data binding leaves a watcher on the footer for every key ever
            # composed, and the footer is composed again whenever F2's label changes (twice a call).
            key.compact = self.compact
            yield key

    def on_resize(self, event: events.Resize) -> None:
        """Choose the keys again for the new width."""
        if self._bindings_ready and self.app.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)
