"""Ghosts run the desk model: a supervisor's command (and every state rule) gives a ghost the same
agent states as a desk, because both feed the same `DeskModel` through `agent_tui.desk.supervised`.

The desk side here is the model as the desk screen drives it (tests/desk/harness.py), with the ghost's
settings; the ghost side is `GhostAgent` with in-process writes. Each scenario is played on both and the
states each wrote to the backend are compared, with the expected end state spelled out as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from agent_tui.desk.clock import ManualClock
from agent_tui.desk.effects import SendState
from agent_tui.desk.model import DeskModel
from agent_tui.desk.supervised import force, situation
from agent_tui.desk.supervisor import SetState, SetStateAfterCall, decide, parse_command
from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.call import CallRecord
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.supervision import CommandAck
from agent_tui.ghost.agent import GhostAgent, ghost_rules
from agent_tui.phone.events import CallEnded, CallState, IncomingCall, Registration

ACW_S = 2.0
R, NR, RING, TALK, ACW, OUT = (AgentStateName.READY, AgentStateName.NOT_READY, AgentStateName.RINGING,
                               AgentStateName.ON_CALL, AgentStateName.ACW, AgentStateName.LOGGED_OUT)


def command(event_id: int, **data: Any) -> Event:
    return Event(id=event_id, kind=EventKind.COMMAND, at=utc_now(), target="agent01",
                 data={"command": "force_state", "data": {**data, "by": "sup01"}})


def ring(call_id: str) -> IncomingCall:
    return IncomingCall(call_id, "13800138000", "", {"X-Queue": "repair"}, "sip:13800138000@pbx", utc_now())


@dataclass
class Writes:
    states: list[AgentStateChange] = field(default_factory=list)
    records: list[CallRecord] = field(default_factory=list)
    acks: dict[int, CommandAck] = field(default_factory=dict)

    def set_state(self, change: AgentStateChange) -> None:
        self.states.append(change)

    def record_call(self, record: CallRecord) -> None:
        self.records.append(record)

    def ack(self, command_id: int, ack: CommandAck) -> None:
        self.acks[command_id] = ack


class Phone:
    def answer(self, call_id: str) -> None:
        pass

    def hangup(self, call_id: str) -> None:
        pass

    def blind_transfer(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> None:
        pass


class GhostSide:
    """A ghost agent, as `agent-tui bot --backend` runs it."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.writes = Writes()
        self.agent = GhostAgent("agent01", Phone(), self.writes, lambda *_a, **_k: None, acw_s=ACW_S,
                                registrar=True, clock=lambda: self.clock.seconds)
        self.agent.start()

    def phone(self, event: object) -> None:
        self.agent.phone_event(event)

    def live(self, event: Event) -> None:
        self.agent.live_event(event)

    def tick(self) -> None:
        self.agent.tick()

    def states(self) -> list[tuple[AgentStateName, str | None]]:
        return [(s.state, s.reason) for s in self.writes.states]


class DeskSide:
    """The desk model as the desk screen drives it: phone health, the agent's Ready, commands."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.model = DeskModel(ghost_rules("agent01", ACW_S), self.clock.desk_clock())
        self.sent: list[AgentStateChange] = []
        self.phone_ok: bool | None = None
        self.carry(self.model.start("other"))

    def carry(self, effects: list[Any]) -> None:
        self.sent.extend(e.change for e in effects if isinstance(e, SendState))

    def phone(self, event: object) -> None:
        if isinstance(event, Registration):
            first = self.phone_ok is None
            self.phone_ok = event.state == "registered"
            self.carry(self.model.phone_health(self.phone_ok))
            if first and self.phone_ok:
                self.carry(self.model.set_ready())  # the agent presses Ready once the phone is up
        else:
            self.carry(self.model.apply(event))
            self.carry(self.model.pop_painted())

    def live(self, event: Event) -> None:
        parsed = parse_command(event, "agent01")
        assert parsed is not None
        for intent in decide(parsed, situation(self.model, phone_online=self.phone_ok)).intents:
            assert isinstance(intent, SetState | SetStateAfterCall)
            self.carry(force(self.model, intent))

    def tick(self) -> None:
        self.carry(self.model.tick())

    def states(self) -> list[tuple[AgentStateName, str | None]]:
        return [(s.state, s.reason) for s in self.sent]


Side = GhostSide | DeskSide
Step = Callable[[Side], None]


def registered(side: Side) -> None:
    side.phone(Registration(account="a", state="registered"))


def offline(side: Side) -> None:
    side.phone(Registration(account="a", state="failed"))


def call_wrapped_up(side: Side) -> None:
    side.phone(ring("c1"))
    side.phone(CallState("c1", "confirmed", 200, "OK"))
    side.phone(CallEnded("c1", "remote hangup", 200, 5.0))
    side.clock.advance(ACW_S + 0.5)
    side.tick()


def during_call(cmd: Event) -> Step:
    def step(side: Side) -> None:
        side.phone(ring("c1"))
        side.phone(CallState("c1", "confirmed", 200, "OK"))
        side.live(cmd)
        side.phone(CallState("c1", "held", 200, "OK"))
        side.phone(CallState("c1", "resumed", 200, "OK"))
        side.phone(CallEnded("c1", "remote hangup", 200, 5.0))
        side.clock.advance(ACW_S + 0.5)
        side.tick()
    return step


def live(cmd: Event) -> Step:
    return lambda side: side.live(cmd)


SCENARIOS: dict[str, tuple[list[Step], tuple[AgentStateName, str | None]]] = {
    "force Not Ready while idle": ([registered, live(command(1, state="not_ready", reason="meeting"))],
                                   (NR, "meeting")),
    "force Not Ready during a call, taken after wrap-up": (
        [registered, during_call(command(2, state="not_ready", reason="break"))], (NR, "break")),
    "force Ready from Not Ready": ([registered, live(command(3, state="not_ready", reason="meal")),
                                    live(command(4, state="ready"))], (R, None)),
    "force log out during a call": ([registered, during_call(command(5, state="logged_out"))], (OUT, None)),
    "force Ready refused while the phone is offline": (
        [registered, live(command(6, state="not_ready", reason="break")), offline,
         live(command(7, state="ready")), registered], (NR, "break")),
    "a call wrapped up by time goes Ready": ([registered, call_wrapped_up], (R, None)),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_ghost_and_a_desk_send_the_same_states(name: str) -> None:
    steps, end = SCENARIOS[name]
    ghost, desk = GhostSide(), DeskSide()
    for step in steps:
        step(ghost)
        step(desk)
    assert ghost.states() == desk.states()
    assert ghost.states()[-1] == end


def test_a_ghost_reports_hold_and_an_after_call_state_as_the_desk_does() -> None:
    ghost = GhostSide()
    registered(ghost)
    during_call(command(8, state="not_ready", reason="break"))(ghost)
    assert (ghost.writes.acks[8].ok, ghost.writes.acks[8].reason) == (True, "after_call")
    states = ghost.writes.states
    assert [s.state for s in states] == [NR, R, RING, TALK, TALK, TALK, ACW, NR]
    assert [s.on_hold for s in states if s.state == TALK] == [False, True, False]
    assert {s.call_id for s in states if s.state in (RING, TALK, ACW)} == {"c1"}
    finals = [r for r in ghost.writes.records if r.acw_s > 0]
    assert len(finals) == 1
    assert finals[0].acw_s == pytest.approx(ACW_S + 0.5)
