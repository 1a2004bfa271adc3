"""A score card as text: one row per item marked ✓ or ✗, the total, and the verdict with the pass mark.

The score card screen and the review draw the same card; this is the one copy of how.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from agent_tui.domain.training import ScoreCard
from agent_tui.training.scoring import render_card, verdict
from agent_tui.ui.common.text import plain


def card_text(card: ScoreCard, translate: Callable[..., str], *, verdict_inline: bool = False,
              language: str | None = None) -> Text:
    """The rows (items that lost points bold and ✗), the total reversed, then the verdict: after the total
    when `verdict_inline`, else on a line of its own. `language` is the translator's: the screen's names
    (a field's label) are shown in it, so the whole card reads in one language."""
    rows = render_card(card, translate, language)
    body = Text()
    for line, row in zip(card.lines, rows, strict=False):
        body.append("✓ " if line.ok else "✗ ", style="" if line.ok else "bold")
        body.append_text(plain(row, 300, style="" if line.ok else "bold"))
        body.append("\n")
    body.append_text(plain(rows[-1], 100, style="bold reverse"))
    body.append("  " if verdict_inline else "\n")
    body.append_text(plain(verdict(card, translate), 200))
    return body
