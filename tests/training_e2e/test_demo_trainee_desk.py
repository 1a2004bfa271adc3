"""`agent-tui demo train` in tmux: the trainee's pane is a desk in training status once logged in, so the
console lists it at once (it started Not Ready, "other", while the console waits for training status)."""

from __future__ import annotations

from pathlib import Path

from agent_tui.demo.train import enter_training, trainee_pane_command
from agent_tui.domain.agent import AgentStateName
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_desk_training import desk_of, make_desk


def test_the_pane_runs_the_desk_that_enters_training_status(tmp_path: Path) -> None:
    command = trainee_pane_command(tmp_path, "http://127.0.0.1:8123", 5071)
    assert "-m agent_tui.demo.train --interactive" in command
    assert "--backend http://127.0.0.1:8123 --sip-port 5071" in command


async def test_the_interactive_trainee_desk_enters_training_status_after_login() -> None:
    app, _phone, writes, _api, _launcher = make_desk()
    async with app.run_test(size=(80, 24)) as pilot:
        desk = await enter_training(pilot)
        assert desk is desk_of(app)
        await wait_until(pilot, lambda: (desk.status.state, desk.status.reason)
                         == (AgentStateName.NOT_READY, "training"), "training status")
        await wait_until(pilot, lambda: any(change.reason == "training" for change in writes.states),
                         "training status sent to the backend")
