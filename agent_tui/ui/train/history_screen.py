"""A trainee's results: every stored attempt, newest first; Enter reviews one (score card, what the trainee
did, the caller's lines with their times, the recording to play or export)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.domain.training import AttemptRecord, ScenarioSummary
from agent_tui.ui.common.key_order import KeyGate
from agent_tui.ui.common.text import clean
from agent_tui.ui.train.api import TrainingBackend
from agent_tui.ui.train.panel import TrainPanel
from agent_tui.ui.train.review_playback import RecordingAccess


class HistoryScreen(TrainPanel[None]):
    """The attempts of one trainee; Enter opens the review of one."""

    def __init__(self, api: TrainingBackend, trainee: str, scenarios: dict[str, ScenarioSummary], *,
                 recordings: RecordingAccess | None = None) -> None:
        super().__init__()
        self.api = api
        self.recordings = recordings
        self.trainee = trainee
        self.scenarios = scenarios
        self.attempts: list[AttemptRecord] = []
        self.key_gate = KeyGate()
        """Open once the results are listed and focused: an Enter typed right behind F8 reviews the newest."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            title = self.t.t("Results of {trainee}", trainee=clean(self.trainee, 64))
            yield Static(title, classes="panel-title", markup=False)
            yield OptionList(id="attempts")
            yield Static(self.t.t("Loading…"), id="history-hint", classes="hint", markup=False)

    def title_of(self, scenario_id: str) -> str:
        """A scenario's title in the UI language (its id when unknown)."""
        summary = self.scenarios.get(scenario_id)
        return clean(self.t.pick(summary.title), 50) if summary else clean(scenario_id, 50)

    def on_mount(self) -> None:
        """Load the attempts."""

        async def load() -> None:
            try:
                await fill()
            finally:
                self.key_gate.open()

        async def fill() -> None:
            try:
                self.attempts = await self.api.list_attempts(self.trainee)
            except Exception as error:
                self.query_one("#history-hint", Static).update(
                    self.t.t("Results not loaded: {detail}", detail=clean(str(error), 200)))
                return
            listing = self.query_one("#attempts", OptionList)
            for index, record in enumerate(self.attempts):
                mark = "✓" if record.card.passed else "✗"
                when = record.at.astimezone().strftime("%m-%d %H:%M")
                who = self.t.t("self-practice") if not record.launched_by else clean(record.launched_by, 32)
                label = f"{when}  {record.card.total:>3} {mark}  {self.title_of(record.scenario_id)}  ({who})"
                # Titles and names are data, never markup.
                listing.add_option(Option(Content(label), id=str(index)))
            hint = self.t.t("Enter reviews the attempt.") if self.attempts else self.t.t("No results yet.")
            self.query_one("#history-hint", Static).update(hint)
            if listing.option_count:
                listing.highlighted = 0
            self.set_focus(listing)  # at once: focus() would wait behind the keys already typed

        self.run_worker(load(), exit_on_error=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Review the chosen attempt."""
        from agent_tui.ui.train.review_screen import ReviewScreen

        record = self.attempts[int(event.option.id or 0)]
        self.app.push_screen(ReviewScreen(record, self.title_of(record.scenario_id), self.recordings))
