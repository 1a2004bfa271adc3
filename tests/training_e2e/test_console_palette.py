"""ctrl+p in the trainer's console lists what the trainer can do there: on the console its controls, over
a panel that panel's keys, and a command picked there runs."""

from __future__ import annotations

from typing import Any

from textual.command import CommandPalette
from textual.widgets import OptionList

from agent_tui.domain.training import AttemptCreate, ScoreCard
from agent_tui.ui.train.app import TrainApp
from agent_tui.ui.train.review_screen import ReviewScreen
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import picking, review_first_attempt, wait_until
from tests.training_e2e.test_console import SCENARIO, make_console, table_text, trainee


def hits(app: TrainApp) -> list[str]:
    """The palette's offers as drawn."""
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def open_palette(pilot: Any, app: TrainApp, query: str = "") -> None:
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    if query:
        await pilot.press(*query)


async def test_the_palette_offers_the_console_controls_and_the_panel_keys() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
    card = ScoreCard(scenario_id=SCENARIO, total=80, passed=True, lines=[])
    await api.post_attempt(AttemptCreate(attempt_id="att-p1", scenario_id=SCENARIO, trainee="agent02",
                                         launched_by="trainer01", card=card))
    app, _ = make_console(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainees")
        await open_palette(pilot, app)
        await wait_until(pilot, lambda: any("Launch" in hit for hit in hits(app)), "the console's commands")
        offered = " ".join(hits(app))
        for name in ("Hint", "Take over", "Stop", "Results", "Model calls"):
            assert name in offered
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.console_screen, "the console again")

        # A command picked in the palette runs: "launch" opens the scenario list.
        await open_palette(pilot, app, "launch")
        await wait_until(pilot, lambda: any("Launch" in hit for hit in hits(app)), "the launch hit")
        await pilot.press("enter")
        await wait_until(pilot, lambda: picking(app), "the scenario list from the palette")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.console_screen, "the console again")

        # Over a panel (a review of the results) the palette offers that panel's keys, not the console's.
        await pilot.press("f8")
        review = await review_first_attempt(app, pilot)
        assert isinstance(review, ReviewScreen)
        await open_palette(pilot, app)
        await wait_until(pilot, lambda: any("Export" in hit for hit in hits(app)), "the review's commands")
        offered = " ".join(hits(app))
        assert "Play" in offered
        assert "Launch" not in offered
