"""The score card of a training attempt: each item with its points, what was missed, and the total."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from agent_tui.domain.training import ScoreCard
from agent_tui.training.scoring import render_card
from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import plain


class ScoreCardScreen(PanelScreen[None]):
    """A score card as the rows of `render_card` in the UI language; items that lost points are marked ✗."""

    def __init__(self, title: str, card: ScoreCard) -> None:
        super().__init__()
        self.title_text = title
        self.card = card
        self.rows = render_card(card, self.t.t)

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.t.t("Score card: {title}", title=self.title_text), classes="panel-title",
                         markup=False)
            body = Text()
            for line, row in zip(self.card.lines, self.rows, strict=False):
                body.append("✓ " if line.ok else "✗ ", style="" if line.ok else "bold")
                body.append_text(plain(row, 300, style="" if line.ok else "bold"))
                body.append("\n")
            body.append_text(plain(self.rows[-1], 100, style="bold reverse"))
            yield Static(body, id="card-rows")
            passed = self.card.passed
            verdict = self.t.t("Passed.") if passed else self.t.t("Not passed yet: look at the ✗ items.")
            yield Static(verdict, id="card-verdict", markup=False)
            yield Static(self.t.t("Escape closes."), classes="hint", markup=False)
