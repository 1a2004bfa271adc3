"""Cleaning text that comes from the backend before it is shown or logged."""

from __future__ import annotations

from agent_tui.domain.text import clean


def clean_text(text: str) -> str:
    """`text` through the one cleaner (`agent_tui.domain.text.clean`); newlines and tabs are kept."""
    return clean(text, multiline=True)
