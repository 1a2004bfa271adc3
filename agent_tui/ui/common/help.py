"""F1 help: every key active on the screen below, with what it does, in the UI language."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import fit


def key_table(screen: Screen[object]) -> list[tuple[str, str]]:
    """(key as displayed, description) of every active binding of `screen` with a description."""
    rows: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for key, (_node, binding, _enabled, _tooltip) in screen.active_bindings.items():
        # Only our own bindings (they all have ids); widget internals like scrolling are noise here.
        if not binding.description or binding.system or not binding.id:
            continue
        row = (screen.app.get_key_display(binding), binding.description)
        if row not in seen and key:
            seen.add(row)
            rows.append(row)
    rows.sort(key=lambda row: (not row[0].startswith("f"), len(row[0]) > 3))
    return rows


class HelpScreen(PanelScreen[None]):
    """The key list."""

    def __init__(self, below: Screen[object]) -> None:
        super().__init__()
        self.rows = key_table(below)

    def compose(self) -> ComposeResult:
        table = Text()
        for key, description in self.rows:
            table.append(fit(key, 12), style="bold")
            table.append(f" {description}\n")
        with Vertical(classes="panel"):
            yield Static(self.t.t("Keys"), classes="panel-title")
            with VerticalScroll():
                yield Static(table, id="help-keys")
            yield Static(self.t.t("Escape closes · ctrl+p finds any command"), classes="hint")
