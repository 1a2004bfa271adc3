"""Keys typed ahead in the trainer's console land where they were meant: F2 Enter in one burst launches the
highlighted scenario (the Enter used to reach the trainee table behind the picker that was still being
built, and the trainer had to press it again); F4 and a hint typed at once reach the hint box; F8 Enter
reviews the newest result; Escape Escape F2 Enter closes the review and the results and launches.

The keys are posted to the App in one go, as a terminal read of a burst delivers them (no pause between
them for the screens to catch up); a real tmux burst is what `agent-tui demo train` was used with."""

from __future__ import annotations

from textual import events

from agent_tui.domain.training import AttemptCreate, ScoreCard
from agent_tui.ui.train.app import TrainApp
from agent_tui.ui.train.review_screen import ReviewScreen
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_console import make_console, table_text, trainee


def burst(app: TrainApp, *keys: str) -> None:
    """`keys` into the App's queue back to back."""
    for key in keys:
        if key == " ":
            app.post_message(events.Key("space", " "))
        else:
            app.post_message(events.Key(key, key if len(key) == 1 else ("\r" if key == "enter" else None)))


async def test_f2_enter_in_one_burst_launches_and_a_typed_ahead_hint_is_kept() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
    app, launcher = make_console(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app) and app.console_screen.scenarios,
                         "the trainees and scenarios")
        burst(app, "f2", "enter")
        await wait_until(pilot, lambda: launcher.callers, "the scenario launched by the typed-ahead Enter")
        assert launcher.callers[0].scenario_id == next(iter(app.console_screen.scenarios))
        burst(app, "f4", *"Ask for the address", "enter")
        await wait_until(pilot, lambda: "training_hint" in api.names(), "the hint sent")
        assert api.commands[-1][2]["text"] == "Ask for the address"

        card = ScoreCard(scenario_id="s", total=90, passed=True, lines=[])
        await api.post_attempt(AttemptCreate(attempt_id="att-b1", scenario_id="s", trainee="agent02",
                                             launched_by="trainer01", card=card))
        burst(app, "f8", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the newest attempt reviewed")
        # The first call ends; closing the review and the results and launching again, all typed ahead.
        first = launcher.callers[0]
        first.emit("ended", call_id="c1", code=200)
        first.alive = False
        first.emit("exited", code=0)
        burst(app, "escape", "escape", "f2", "enter")
        await wait_until(pilot, lambda: len(launcher.callers) == 2, "a second launch behind two Escapes")
