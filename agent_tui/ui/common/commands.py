"""The command palette provider: every desk action with its key, found by fuzzy search (ctrl+p).

A command is found by its label or by one of its aliases (`agent_tui.ui.common.palette.SEARCH_ALIASES`)
in English or the UI language: "not ready" and 示忙 find F2 while its label says "Ready".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from agent_tui.ui.common.context import tr
from agent_tui.ui.common.palette import search_words


@dataclass(frozen=True)
class PaletteCommand:
    """One active binding as the palette offers it."""

    name: str
    key: str
    action: str
    words: tuple[str, ...]
    """The name, then the aliases, each matched on its own."""


class DeskCommands(Provider):
    """Offers the active bindings of the current screen (and the App) as commands."""

    def _commands(self) -> list[PaletteCommand]:
        screen = self.screen
        translator = tr(screen)
        found: list[PaletteCommand] = []
        seen: set[str] = set()
        for _key, (node, binding, enabled, _tip) in screen.active_bindings.items():
            if not enabled or not binding.description or binding.system or binding.action in seen:
                continue
            if not binding.id or binding.id.startswith("panel."):
                continue  # only our own commands: widget internals (Scroll Up, Copy) are noise here
            seen.add(binding.action)
            target = "app." if node is self.app else ""
            name = binding.description
            words = (name, *search_words(translator, binding.id))
            key = self.app.get_key_display(binding)
            found.append(PaletteCommand(name, key, target + binding.action, words))
        return found

    async def discover(self) -> Hits:
        """All desk commands, when the palette opens."""
        for command in self._commands():
            run = partial(self.screen.run_action, command.action)
            yield DiscoveryHit(f"{command.name}  ({command.key})", run, text=command.name)

    async def search(self, query: str) -> Hits:
        """Commands whose name or an alias matches `query` (the name is shown, with the alias that
        matched when it was not the name)."""
        matcher = self.matcher(query)
        for command in self._commands():
            score, word = max((matcher.match(word), word) for word in command.words)
            if score <= 0:
                continue
            label = f"{command.name}  ({command.key})"
            if word != command.name:
                label += f"  · {word}"
            yield Hit(score, matcher.highlight(label), partial(self.screen.run_action, command.action),
                      text=command.name)
