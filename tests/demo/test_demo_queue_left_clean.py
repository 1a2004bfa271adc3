"""`agent-tui demo monitor` quit leaves no caller 'waiting' in the backend's queues: the callers still
waiting hang up with the generator (abandoned). They stayed waiting, and the next demo's wallboard showed
5 callers waiting 6 minutes with six agents Ready."""

from __future__ import annotations

from typing import Any

from agent_tui.demo.monitor import Caller, CallerGenerator


class Recording(CallerGenerator):
    """The generator's queue bookkeeping without a backend: the queue events it would post."""

    def __init__(self) -> None:  # no backend, no engine: only the callers and their queue events
        self.callers = []
        self.posted: list[tuple[str, str]] = []

    def queue_event(self, caller: Caller, kind: str, agent: str | None = None) -> None:
        self.posted.append((caller.call_id, kind))


def caller(call_id: str, **state: Any) -> Caller:
    return Caller(call_id=call_id, queue="95598-billing", customer=None, arrived=0.0, patience_s=60.0,
                  **state)


def test_callers_still_waiting_abandon_when_the_generator_stops() -> None:
    generator = Recording()
    generator.callers = [caller("waiting"), caller("ringing", engine_call="e1", agent="agent01"),
                         caller("talking", engine_call="e2", agent="agent02", answered=True)]
    generator.leave_queue()
    assert generator.posted == [("waiting", "abandoned"), ("ringing", "abandoned")]
    assert [c.call_id for c in generator.callers] == ["talking"]
