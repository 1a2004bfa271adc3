"""`[ui]`: look and feel of the terminal UI, and the remapped shortcuts."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from agent_tui.config.errors import describe
from agent_tui.config.section import Section

_KEY = re.compile(r"[A-Za-z0-9_+-]+")


def _keys(value: str) -> str:
    if not all(_KEY.fullmatch(part.strip()) for part in value.split(",")):
        raise ValueError(f"expected keys like 'f5' or 'ctrl+e,f6', got {describe(value)}")
    return value


Keys = Annotated[str, AfterValidator(_keys)]
"""One key or several, comma separated, as Textual names them: `f5`, `ctrl+e,f6`."""


class UiSettings(Section):
    """Look and feel of the terminal UI."""

    theme: Literal["dark", "light", "high-contrast", "monochrome"] = "dark"
    """Colour theme; `monochrome` suits 16-colour terminals and screen readers."""
    language: Literal["en", "zh"] = "en"
    """Language of the UI: English or Simplified Chinese."""
    single_key_shortcuts: bool = True
    """Allow shortcuts without a modifier (e.g. `a` to answer); turn off if they get in the way of
    assistive technology."""
    mouse: bool = True
    """Let the UI use the mouse."""
    keymap: dict[str, Keys] = Field(default_factory=dict)
    """Remapped shortcuts: binding id → keys, e.g. `answer = "f5"` or `hangup = "f6,ctrl+e"`."""
    clock: bool = True
    """Show a clock in the header."""
