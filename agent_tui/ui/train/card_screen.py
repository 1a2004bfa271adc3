"""The score card of a training attempt: each item with its points, what was missed, and the total."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from agent_tui.domain.training import ScoreCard
from agent_tui.training.scoring import render_card
from agent_tui.ui.common.panel import PanelScreen
from agent_tui.ui.common.text import clean
from agent_tui.ui.train.card_text import card_text


class ScoreCardScreen(PanelScreen[None]):
    """A score card in the UI language (see `card_text`); items that lost points are marked ✗."""

    def __init__(self, title: str, card: ScoreCard) -> None:
        super().__init__()
        # The scenario's title as served (the desk passes it as is): escapes in it reached the terminal.
        self.title_text = clean(title, 80)
        self.card = card
        self.rows = render_card(card, self.t.t, self.t.language)
        """The card's rows as text (tests name them when a total is not what they expected)."""

    def compose(self) -> ComposeResult:
        # Scrolls from the keyboard (it holds the focus): a long card does not fit 80x24.
        with VerticalScroll(classes="panel", id="card-body"):
            yield Static(self.t.t("Score card: {title}", title=self.title_text), classes="panel-title",
                         markup=False)
            yield Static(card_text(self.card, self.t.t, language=self.t.language), id="card-rows")
            yield Static(self.t.t("PgDn/End scroll · Escape closes"), classes="hint", markup=False)

    def on_mount(self) -> None:
        """The body takes the focus, so the scrolling keys work at once."""
        self.query_one("#card-body", VerticalScroll).focus()
