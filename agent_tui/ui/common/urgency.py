"""The URGENT mark of an emergency work order (priority 1: a live wire, a gas smell, no power for a
patient's machine), the same wherever an order is listed: the customer card's open tickets and the
orders taken on a call, and the session's call list.

The mark is words and a reverse style, never colour alone, so it reads in the monochrome theme too.
"""

from __future__ import annotations

from agent_tui.i18n import Translator

URGENT_PRIORITY = 1
"""Work-order priority (1 highest .. 5) that is an emergency."""
URGENT_STYLE = "bold reverse $error"
"""Reverse video carries the mark where there is no colour."""


def is_urgent(priority: int) -> bool:
    """Whether an order of this priority is an emergency."""
    return priority <= URGENT_PRIORITY


def urgent_text(t: Translator) -> str:
    """The mark itself, in the UI language (with "!!", which needs no colour and no language)."""
    return f"!! {t.t('URGENT')} !!"
