"""The command palette provider: every desk action with its key, found by fuzzy search (ctrl+p)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class DeskCommands(Provider):
    """Offers the active bindings of the current screen (and the App) as commands."""

    def _commands(self) -> list[tuple[str, str, str]]:
        screen = self.screen
        found: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for _key, (node, binding, enabled, _tip) in screen.active_bindings.items():
            if not enabled or not binding.description or binding.system or binding.action in seen:
                continue
            if binding.id and binding.id.startswith("panel."):
                continue
            seen.add(binding.action)
            target = "app." if node is self.app else ""
            found.append((binding.description, self.app.get_key_display(binding), target + binding.action))
        return found

    async def discover(self) -> Hits:
        """All desk commands, when the palette opens."""
        for name, key, action in self._commands():
            yield DiscoveryHit(f"{name}  ({key})", partial(self.screen.run_action, action), text=name)

    async def search(self, query: str) -> Hits:
        """Commands matching `query`."""
        matcher = self.matcher(query)
        for name, key, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(f"{name}  ({key})"),
                          partial(self.screen.run_action, action), text=name)
