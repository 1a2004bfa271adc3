"""F1 help: every key active on the screen below, what it does, and the binding id that `[ui] keymap`
takes to move it elsewhere, in the UI language."""

from __future__ import annotations

from typing import NamedTuple

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from agent_tui.ui.common.panel import PanelScreen


class KeyRow(NamedTuple):
    """One line of the key list."""

    key: str
    """The key as displayed (after the user's keymap)."""
    description: str
    binding_id: str
    """What `[ui] keymap` names to remap it (`desk.answer`; `answer` there means every `*.answer`)."""


def key_table(screen: Screen[object]) -> list[KeyRow]:
    """Every active binding of `screen` with a description, F-keys first."""
    rows: list[KeyRow] = []
    seen: set[tuple[str, str]] = set()
    for key, (_node, binding, _enabled, _tooltip) in screen.active_bindings.items():
        # Only our own bindings (they all have ids); widget internals like scrolling are noise here.
        if not binding.description or binding.system or not binding.id:
            continue
        row = KeyRow(screen.app.get_key_display(binding), binding.description, binding.id)
        if (row.key, row.description) not in seen and key:
            seen.add((row.key, row.description))
            rows.append(row)
    rows.sort(key=lambda row: (not row.key.startswith("f"), len(row.key) > 3))
    return rows


class HelpScreen(PanelScreen[None]):
    """The key list."""

    def __init__(self, below: Screen[object]) -> None:
        super().__init__()
        self.key_rows = key_table(below)
        self.rows = [(row.key, row.description) for row in self.key_rows]
        """(key, description) pairs, as shown."""

    def compose(self) -> ComposeResult:
        t = self.t.t
        table = Table(box=None, padding=(0, 1, 0, 0), expand=False, show_edge=False, header_style="dim")
        # Text cells, never strings: Rich would read "[ui]" in a cell as markup.
        table.add_column(Text(t("Key")), style="bold", no_wrap=True, max_width=14, overflow="ellipsis")
        table.add_column(Text(t("What it does")), overflow="fold")
        table.add_column(Text(t("Id for [ui] keymap")), style="dim", no_wrap=True, overflow="ellipsis")
        for row in self.key_rows:
            table.add_row(Text(row.key), Text(row.description), Text(row.binding_id))
        with Vertical(classes="panel"):
            yield Static(t("Keys"), classes="panel-title")
            with VerticalScroll():
                yield Static(table, id="help-keys")
            yield Static(t("Escape closes · ctrl+p finds any command · remap a key in config: "
                           "[ui.keymap] id = \"keys\""), classes="hint", markup=False)
