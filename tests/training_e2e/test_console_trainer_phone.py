"""The console says what the trainer's own softphone does during a takeover (ringing, joined, left)."""

from __future__ import annotations

from textual.widgets import Static

from agent_tui.ui.train.app import TrainApp
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_console import launch, make_console, table_text, trainee


def status(app: TrainApp) -> str:
    return str(app.screen.query_one("#console-status", Static).render())


async def test_the_trainer_is_told_to_answer_and_when_the_phone_joined_and_left() -> None:
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
    app, launcher = make_console(api, language="zh")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainee")
        await launch(pilot, app)
        await wait_until(pilot, lambda: launcher.callers, "the simulated caller")
        caller = launcher.callers[0]
        caller.emit("answered", call_id="c1")
        await pilot.press("f5")
        await wait_until(pilot, lambda: {"cmd": "takeover"} in caller.sent, "the takeover sent")
        caller.emit("trainer_phone", state="ringing")
        await wait_until(pilot, lambda: "您的软电话在响" in status(app), "ringing said")
        assert "agent02" in status(app)
        caller.emit("trainer_phone", state="joined")
        await wait_until(pilot, lambda: "您已加入与 agent02 的通话" in status(app), "joined said")
        caller.emit("trainer_phone", state="ended")
        await wait_until(pilot, lambda: "离开" in status(app), "left said")
