"""Choosing a training scenario: title, business, mood and difficulty, in the UI language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.domain.training import ScenarioSummary
from agent_tui.ui.common.key_order import KeyGate
from agent_tui.ui.common.text import clean
from agent_tui.ui.train.panel import TrainPanel

DIFFICULTY_LABELS = {"easy": "easy", "medium": "medium", "hard": "hard"}


class ScenarioPickScreen(TrainPanel[str | None]):
    """The scenario list; Enter answers the chosen scenario's id."""

    def __init__(self, scenarios: list[ScenarioSummary], heading: str = "") -> None:
        super().__init__()
        self.scenarios = scenarios
        self.heading = heading
        self.key_gate = KeyGate()
        """Open once the list has the focus: an Enter typed right behind F2 picks from it."""

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="panel"):
            yield Static(self.heading or t.t("Choose a scenario"), classes="panel-title", markup=False)
            options = []
            for scenario in self.scenarios:
                label = (f"{clean(t.pick(scenario.title), 60)} · {scenario.language} · "
                         f"{t.t(DIFFICULTY_LABELS.get(scenario.difficulty.value, 'medium'))}")
                # A scenario's title is data (authored elsewhere): a `[/]` in it stopped the console.
                options.append(Option(Content(label), id=scenario.id))
            yield OptionList(*options, id="scenarios")
            yield Static(t.t("Enter starts, Escape cancels.") if options else t.t("No scenarios available."),
                         classes="hint", markup=False)

    def on_mount(self) -> None:
        """Focus the list."""
        listing = self.query_one("#scenarios", OptionList)
        if listing.option_count:
            listing.highlighted = 0
        self.set_focus(listing)  # at once: focus() would wait behind the keys already typed
        self.key_gate.open()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a scenario."""
        self.dismiss(event.option.id)
