"""The trainer's console fits a thin terminal (80x24) without cutting a column off, and keeps every column
at 120x40; the caller's last line folds under the table when there is no room for it beside."""

from __future__ import annotations

from textual.widgets import DataTable

from agent_tui.ui.common.messages import LiveEventMessage
from agent_tui.ui.train.app import TrainApp
from agent_tui.ui.train.console_layout import MIN_LINE, layout_for
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_console import launch, make_console, table_text, trainee, training_event
from tests.ui.helpers import screen_text

LINE = "My neighbour's cable is down across the road"


def test_every_width_gets_a_layout_that_fits_and_the_wide_one_keeps_every_column() -> None:
    for width in range(80, 200):
        layout = layout_for(width)
        assert layout.drawn_width <= width - 2, width
        assert {"trainee", "state", "scenario", "call", "step", "score"} <= set(layout.keys)
        assert layout.line_below == ("line" not in layout.keys)
    assert layout_for(80).line_below
    assert layout_for(80).drawn_width <= 78
    wide = layout_for(120)
    assert wide.keys == ("trainee", "state", "scenario", "call", "step", "fields", "score", "line")
    assert wide.width_of("line") >= MIN_LINE
    assert wide.width_of("scenario") == 22


def fits(app: TrainApp) -> bool:
    table = app.console_screen.query_one("#trainees", DataTable)
    return table.virtual_size.width <= table.scrollable_content_region.width


async def test_the_console_fits_80_columns_and_shows_every_column_at_120() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
    app, launcher = make_console(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainees")
        await launch(pilot, app)
        await wait_until(pilot, lambda: launcher.callers, "the simulated caller")
        caller = launcher.callers[0]
        caller.emit("answered", call_id="c1")
        # The status follows the call ("Calling agent02 at …" stayed up through the whole call).
        await wait_until(pilot, lambda: "agent02 answered." in str(
            app.console_screen.query_one("#console-status").render()), "the status saying it was answered")
        caller.emit("caption", text=LINE, line="opening")
        progress = {"type": "progress", "trainee": "agent02", "attempt_id": caller.attempt_id,
                    "kind": "fields", "filled": 3, "total": 4, "step": "address"}
        app.post_message(LiveEventMessage(training_event(progress)))
        result = {"type": "result", "trainee": "agent02", "attempt_id": caller.attempt_id, "total": 80,
                  "passed": False}
        app.post_message(LiveEventMessage(training_event(result, 2)))
        await wait_until(pilot, lambda: "80 ✗" in screen_text(app) and LINE in screen_text(app),
                         "the score and the caller's line on the thin screen")
        assert fits(app), "a column is cut off at 80 columns"
        assert "3/4" in screen_text(app)
        assert "answered" in screen_text(app)

        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: LINE in table_text(app), "the caller's line back in its column")
        assert fits(app), "a column is cut off at 120 columns"
        text = screen_text(app)
        for heading in ("Trainee", "State", "Scenario", "Call", "Step", "Fields", "Score", "Caller said"):
            assert heading in text
        assert text.count(LINE[:MIN_LINE]) == 1
