"""A trainee practising alone shows on the console under the scenario's title, as a launched one does
(it showed the scenario's id, `application_contact_change_en`, cut to the column)."""

from __future__ import annotations

from agent_tui.ui.common.messages import LiveEventMessage
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_console import SCENARIO, make_console, table_text, trainee, training_event


async def test_self_practice_rows_carry_the_scenario_title() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
    app, _ = make_console(api)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app) and app.console_screen.scenarios,
                         "the trainees and scenarios")
        progress = {"type": "progress", "trainee": "agent02", "attempt_id": "self-1", "self_practice": True,
                    "scenario_id": SCENARIO, "kind": "call", "detail": "ringing"}
        app.post_message(LiveEventMessage(training_event(progress)))
        await wait_until(pilot, lambda: "ringing" in table_text(app), "the practice call on the console")
        assert "Fallen power line" in table_text(app)
        assert SCENARIO not in table_text(app)
