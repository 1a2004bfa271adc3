"""Key bindings in the UI language, with one-key shortcuts removable for accessibility.

Bindings are declared in English with an `id` (so `Settings.ui.keymap` can remap them through
`App.set_keymap`). When a screen is created, its bindings are copied with translated descriptions,
and single-key shortcuts are dropped when the agent switched them off.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from agent_tui.i18n import Translator

_NAMED_NON_TEXT_KEYS = frozenset({
    "escape", "enter", "tab", "up", "down", "left", "right", "home", "end", "pageup", "pagedown",
    "delete", "backspace", "insert",
})


def is_single_key(key: str) -> bool:
    """A key that types a character when no modifier is held (`a`, `?`, `question_mark`, `space`)."""
    if "+" in key:
        return False
    if key in _NAMED_NON_TEXT_KEYS:
        return False
    return not (key.startswith("f") and key[1:].isdigit())


def localize_bindings(node: DOMNode, translator: Translator, *, single_keys: bool) -> None:
    """Replace `node`'s bindings by copies with translated descriptions (and without one-key ones)."""
    keys: dict[str, list[Binding]] = {}
    for key, binding in node._bindings:
        if not single_keys and is_single_key(key):
            continue
        description = translator.t(binding.description) if binding.description else ""
        tooltip = translator.t(binding.tooltip) if binding.tooltip else ""
        keys.setdefault(key, []).append(replace(binding, description=description, tooltip=tooltip))
    node._bindings = BindingsMap.from_keys(keys)
