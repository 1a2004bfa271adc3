"""A trainee being launched is busy from the trainer's keypress until its simulated caller has gone."""

from __future__ import annotations

from typing import Any

from agent_tui.domain.training import Trainee
from agent_tui.ui.train.roster import Roster, TraineeRow


class Caller:
    def __init__(self) -> None:
        self.running = True

    def send(self, command: dict[str, Any]) -> None:
        pass

    async def stop(self) -> None:
        self.running = False


def row() -> TraineeRow:
    return TraineeRow(Trainee(username="agent02", display_name="A", state="not_ready", reason="training",
                              sip_uri="sip:agent02@127.0.0.1:5070"))


def test_busy_while_the_launch_waits_for_the_backend_before_any_caller_exists() -> None:
    trainee = row()
    assert not trainee.busy
    trainee.start("s1", "S1", "a1")
    assert trainee.caller is None
    assert trainee.busy  # a second F2 now rang the trainee twice


def test_busy_while_the_caller_runs_and_free_once_it_has_gone() -> None:
    trainee = row()
    trainee.start("s1", "S1", "a1")
    caller = Caller()
    trainee.caller, trainee.call = caller, "answered"
    assert trainee.busy
    caller.running = False
    assert not trainee.busy


def test_a_failed_launch_frees_the_trainee_but_an_older_attempt_failing_does_not() -> None:
    trainee = row()
    trainee.start("s1", "S1", "a1")
    trainee.launch_failed("a0")
    assert trainee.busy
    trainee.launch_failed("a1")
    assert trainee.call == "failed"
    assert not trainee.busy


def test_a_trainee_who_left_training_after_a_failed_call_leaves_the_list_but_one_on_a_call_stays() -> None:
    roster = Roster()
    failed, on_call = row().trainee, row().trainee.model_copy(update={"username": "agent03"})
    roster.update([failed, on_call])
    roster.rows["agent02"].start("s1", "S1", "a1")
    roster.rows["agent02"].launch_failed("a1")
    roster.rows["agent03"].start("s1", "S1", "a2")
    roster.rows["agent03"].call = "answered"
    roster.update([])
    assert list(roster.rows) == ["agent03"]
