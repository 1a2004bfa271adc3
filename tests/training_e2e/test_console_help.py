"""F1 in the trainer's console lists its keys with their ids (the footer cannot show them all at 80x24)."""

from __future__ import annotations

from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.train.scenario_pick import ScenarioPickScreen
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import picking, wait_until
from tests.training_e2e.test_console import make_console, table_text, trainee


async def test_f1_lists_the_console_keys_and_closes_again_over_the_console_and_the_picker() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
    app, _ = make_console(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainees")
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the key list")
        assert isinstance(app.screen, HelpScreen)
        ids = " ".join(str(row) for row in app.screen.key_rows)
        assert "train.launch" in ids
        assert "train.stop" in ids
        await pilot.press("f1")
        await wait_until(pilot, lambda: app.screen is app.console_screen, "the console again")
        await pilot.press("f2")
        await wait_until(pilot, lambda: picking(app), "the scenario list")
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the picker's key list")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ScenarioPickScreen), "the picker again")
