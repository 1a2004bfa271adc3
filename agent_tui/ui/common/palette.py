"""The command palette and Textual's own commands in the UI language.

Textual writes its palette in English: the "Search for commands…" placeholder and the system commands
(Theme, Quit, Keys, Screenshot...). `AgentTuiApp` opens `LocalizedPalette` and passes Textual's system
commands through `translate_system_commands`, so a Chinese desk, monitor or trainer shows them in
Chinese. `SEARCH_ALIASES` lets the palette find a command by the words an agent types for it ("not
ready", 示忙, "break") when its label says something else.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import SystemCommand
from textual.command import CommandPalette

from agent_tui.i18n import Translator

PALETTE_PLACEHOLDER = "Search for commands…"

SEARCH_ALIASES: dict[str, tuple[str, ...]] = {
    "desk.ready": ("Ready", "Not Ready", "Break", "Pause"),
    "desk.answer": ("Take the call",),
    "desk.hangup": ("End call",),
    "desk.hold": ("Resume",),
    "desk.order": ("Work order", "Ticket"),
    "desk.wrapup": ("After-call work",),
    "desk.kb": ("Search",),
    "desk.history": ("Calls this session",),
    "app.help": ("Keys",),
    "desk.sip_trace": ("SIP messages", "Signalling"),
}
"""Binding id → other words for the command (English; each is also searched in the UI language)."""


def search_words(translator: Translator, binding_id: str | None) -> list[str]:
    """The alias words of `binding_id` in English and in the UI language (no repeats)."""
    words: list[str] = []
    for alias in SEARCH_ALIASES.get(binding_id or "", ()):
        for word in (alias, translator.t(alias)):
            if word not in words:
                words.append(word)
    return words


def translate_system_commands(commands: Iterable[SystemCommand],
                              translator: Translator) -> list[SystemCommand]:
    """Textual's system commands with their title and help in the UI language."""
    t = translator.t
    return [command._replace(title=t(command.title), help=t(command.help)) for command in commands]


class LocalizedPalette(CommandPalette):
    """Textual's command palette with its placeholder in the UI language."""

    def __init__(self, translator: Translator) -> None:
        super().__init__(placeholder=translator.t(PALETTE_PLACEHOLDER), id="--command-palette")
