"""Key bindings in the UI language, with one-key shortcuts removable for accessibility.

Bindings are declared in English with an `id` (so `Settings.ui.keymap` can remap them through
`App.set_keymap`). When a screen is created, its bindings are copied with translated descriptions,
and single-key shortcuts are dropped when the agent switched them off.

Keys that move the focus or change the screen are priority bindings: see
`agent_tui.ui.common.key_order` for why.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingsMap, BindingType
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


FOCUS_KEYS: list[BindingType] = [
    Binding("tab", "focus_next", "Next field", show=False, priority=True, id="app.focus_next"),
    Binding("shift+tab", "focus_previous", "Previous field", show=False, priority=True,
            id="app.focus_previous"),
]
"""Tab and Shift+Tab move the focus before the keys behind them are routed (every App has them)."""

ENTER_MOVES_ON = Binding("enter", "enter_field", "Next field", show=False, priority=True, id="form.enter")
"""Enter in a text field of a form: the screen's `action_enter_field` moves on at once."""



def relabel(node: DOMNode, binding_id: str, description: str) -> bool:
    """Give `node`'s binding `binding_id` a new (translated) description, so that its footer, F1 and
    palette entries say what the key does now; True when something changed (then refresh bindings)."""
    changed = False
    keys: dict[str, list[Binding]] = {}
    for key, binding in node._bindings:
        if binding.id == binding_id and binding.description != description:
            binding = replace(binding, description=description)
            changed = True
        keys.setdefault(key, []).append(binding)
    if changed:
        node._bindings = BindingsMap.from_keys(keys)
    return changed
