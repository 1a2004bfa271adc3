"""The message of a timed-out practice wait names the desk's screens, the training status, the calls still
up and the caller's log: checked here on plain stand-ins, so it works the day a CI run needs it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from agent_tui.desk.calls import CallPhase, CallSession
from agent_tui.training.caller_process import ProcessLauncher
from agent_tui.training.desk_call import TrainingCall
from tests.training_e2e.diagnosis import practice_state


class FormScreen:
    """Stands for the order form left on top of the desk."""


def test_the_state_names_status_calls_and_the_callers_last_log_lines(tmp_path: Path) -> None:
    call = TrainingCall(scenario_id="repair_wire_down_en", attempt_id="att-9", call_id="c1",
                        status="In the call: open the order (F9) and follow the script.",
                        captions=["Hello? Is this the power company?"])
    session = CallSession(call_id="c1", number="13621987654", phase=CallPhase.TALKING)
    training = SimpleNamespace(current=call, calls={"c1": call}, cards=[])
    app = SimpleNamespace(screen_stack=[FormScreen()],
                          desk=SimpleNamespace(training=training, calls={"c1": session}))
    launcher = ProcessLauncher(log_dir=tmp_path)
    (tmp_path / "caller-att-9.log").write_text("Fatal Python error: Segmentation fault\n", encoding="utf-8")
    state = practice_state(app, launcher)
    assert "FormScreen" in state
    assert "att-9" in state
    assert "follow the script" in state
    assert "c1 talking" in state
    assert "awaiting their end: ['c1']" in state
    assert "Segmentation fault" in state
