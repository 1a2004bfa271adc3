"""A training call that stops ringing before the trainee answers is stored as not answered, scoring 0."""

from __future__ import annotations

from agent_tui.phone.events import CallEnded
from agent_tui.ui.train.card_screen import ScoreCardScreen
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_desk_training import SCENARIO, command, desk_of, make_desk, training_headers


async def test_a_training_call_ended_while_ringing_scores_zero() -> None:
    app, phone, _writes, api, _launcher = make_desk()
    async with app.run_test(size=(80, 24)) as pilot:
        desk = desk_of(app)
        await wait_until(pilot, lambda: desk.logged_in, "login")
        app.post_message(command("training_launch", scenario=SCENARIO, attempt="att-1"))
        phone.ring("c9", number="13621987654", headers=training_headers("att-1"))
        await wait_until(pilot, lambda: "c9" in desk.calls, "the training call ringing")
        phone.emit(CallEnded(call_id="c9", reason="Request Terminated", code=487, duration_s=0))
        await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen), "the score card")
        await wait_until(pilot, lambda: api.attempts, "the attempt stored")
        stored = api.attempts[0]
        assert stored.attempt is not None
        assert stored.attempt.answered is False
        assert stored.card.total == 0
