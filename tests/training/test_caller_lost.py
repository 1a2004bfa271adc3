"""A self-practice call whose simulated caller process died: the desk must end the call itself.

The caller process hangs its call up at the end of the scenario and reports `ended` before it exits. A
process that exits without `ended` (a crash, a kill) leaves a call nobody will ever hang up: the trainee
would sit in a silent call with no score card. `TrainingCall.caller_event` tells the desk when that
happened.
"""

from __future__ import annotations

from agent_tui.training.desk_call import TrainingCall


def rung() -> TrainingCall:
    return TrainingCall(scenario_id="repair_wire_down_en", attempt_id="att-1", self_practice=True,
                        call_id="c1")


def test_a_caller_that_exits_without_ending_its_call_leaves_it_to_the_desk() -> None:
    call = rung()
    assert not call.caller_event("caption")
    assert call.caller_event("exited")


def test_a_caller_that_ended_its_call_and_exits_needs_nothing_more() -> None:
    call = rung()
    assert not call.caller_event("ended")
    assert not call.caller_event("exited")


def test_a_caller_that_never_rang_the_desk_has_no_call_to_end() -> None:
    call = TrainingCall(scenario_id="repair_wire_down_en", attempt_id="att-1", self_practice=True)
    assert not call.caller_event("exited")
