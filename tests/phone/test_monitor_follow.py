"""The rule that monitoring ends with the monitored call, on plain call books (no phone)."""

from __future__ import annotations

from dataclasses import dataclass

from agent_tui.phone.events import MonitorMode
from agent_tui.phone.monitor_follow import monitoring_to_end


@dataclass
class B:
    public_id: str
    answered_at: float | None = 1.0
    ended: bool = False
    monitor: MonitorMode | None = None


def test_the_end_of_the_only_call_ends_every_monitoring_call() -> None:
    customer = B("c1", ended=True)
    calls = [B("m1", monitor="listen"), B("m2", monitor="barge")]
    assert monitoring_to_end(customer, calls) == ["m1", "m2"]


def test_monitoring_stays_while_another_answered_call_of_the_agent_is_up() -> None:
    first = B("c1", ended=True)
    consult = B("c2")
    assert monitoring_to_end(first, [consult, B("m1", monitor="whisper")]) == []


def test_a_call_still_ringing_does_not_keep_the_monitoring() -> None:
    first = B("c1", ended=True)
    ringing = B("c2", answered_at=None)
    assert monitoring_to_end(first, [ringing, B("m1", monitor="listen")]) == ["m1"]


def test_a_missed_ring_or_a_monitoring_call_ending_ends_nothing() -> None:
    listening = B("m1", monitor="listen")
    assert monitoring_to_end(B("c1", answered_at=None, ended=True), [listening]) == []
    assert monitoring_to_end(B("m2", monitor="listen", ended=True), [listening]) == []


def test_a_monitoring_call_already_ended_is_not_hung_up_again() -> None:
    assert monitoring_to_end(B("c1", ended=True), [B("m1", monitor="listen", ended=True)]) == []
