"""The next call rings while the trainee reads a training score card: the ring shows and F3 answers it."""

from __future__ import annotations

from agent_tui.phone.events import CallEnded
from agent_tui.ui.desk.call_strip import CallStrip
from agent_tui.ui.train.card_screen import ScoreCardScreen
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_desk_training import SCENARIO, command, desk_of, make_desk, training_headers


async def test_a_call_ringing_over_the_score_card_is_in_view_and_f3_answers_it() -> None:
    app, phone, _writes, _api, _launcher = make_desk()
    async with app.run_test(size=(80, 24)) as pilot:
        desk = desk_of(app)
        await wait_until(pilot, lambda: desk.logged_in, "login")
        app.post_message(command("training_launch", scenario=SCENARIO, attempt="att-1"))
        phone.ring("c9", number="13621987654", headers=training_headers("att-1"))
        await wait_until(pilot, lambda: "c9" in desk.calls, "the first training call")
        await pilot.press("f3")
        await wait_until(pilot, lambda: ("answer", ("c9",)) in phone.commands, "the first answer")
        phone.emit(CallEnded(call_id="c9", reason="Normal call clearing", code=200, duration_s=5))
        await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen), "the score card")
        # The trainer launches the next scenario while the card is still up.
        app.post_message(command("training_launch", scenario=SCENARIO, attempt="att-2"))
        phone.ring("c10", number="13621987654", headers=training_headers("att-2"))
        await wait_until(pilot, lambda: "c10" in desk.calls, "the second training call")
        assert isinstance(app.screen, ScoreCardScreen)
        await wait_until(pilot, lambda: app.screen.query(CallStrip), "the call strip over the card")
        await pilot.press("f3")
        await wait_until(pilot, lambda: ("answer", ("c10",)) in phone.commands, "F3 answering over the card")
