"""The trainer's console draws scenario titles and names as data: markup in them is shown, never parsed."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from agent_tui.domain.training import AttemptCreate, ScoreCard, ScoreLine
from agent_tui.ui.train.card_screen import ScoreCardScreen
from agent_tui.ui.train.history_screen import HistoryScreen
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import picking, wait_until
from tests.training_e2e.test_console import SCENARIO, make_console, table_text, trainee

HOSTILE = "Bad [/] title [red]x"


def option_texts(listing: OptionList) -> list[str]:
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_a_title_holding_markup_is_listed_verbatim_in_the_picker_and_the_results() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
    api.scenarios[SCENARIO] = api.scenarios[SCENARIO].model_copy(update={"title": HOSTILE})
    card = ScoreCard(scenario_id=SCENARIO, total=20, passed=False, lines=[
        ScoreLine(key="step:readback", text="Skipped the read-back", points=20, possible=100)])
    await api.post_attempt(AttemptCreate(attempt_id="a1", scenario_id=SCENARIO, trainee="agent02",
                                         launched_by="[b]trainer[/]", card=card))
    app, _ = make_console(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainees")
        await pilot.press("f2")
        await wait_until(pilot, lambda: picking(app), "the scenario list")
        await pilot.pause()  # drawn: a title parsed as markup raised here and stopped the console
        assert any(HOSTILE in text for text in option_texts(app.screen.query_one(OptionList)))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.console_screen, "the console again")
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.attempts,
                         "the results")
        await pilot.pause()
        [label] = option_texts(app.screen.query_one("#attempts", OptionList))
        assert HOSTILE in label
        assert "[b]trainer[/]" in label
    assert app.return_code in (None, 0)


async def test_a_score_card_title_holding_terminal_escapes_is_drawn_without_them() -> None:
    app, _ = make_console(FakeTrainingApi())
    card = ScoreCard(scenario_id=SCENARIO, total=0, passed=False, lines=[
        ScoreLine(key="time", text="The call was not answered", points=0, possible=100)])
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ScoreCardScreen("Evil\x1b[2J\x1b]0;pwned\x07 [b]title", card))
        await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen)
                         and app.screen.query(".panel-title"), "the card")
        title = str(app.screen.query_one(".panel-title", Static).render())
        assert "\x1b" not in title
        assert "\x07" not in title
        assert "[b]title" in title
