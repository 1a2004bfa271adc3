"""A ghost agent carries out supervisor commands by the desk's rules and acknowledges every one."""

from __future__ import annotations

from typing import Any

from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.call import CallRecord
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.supervision import CommandAck
from agent_tui.ghost.agent import GhostAgent
from agent_tui.phone.events import CallEnded, CallState, EngineStarted, IncomingCall, Registration


class Writes:
    def __init__(self) -> None:
        self.states: list[AgentStateChange] = []
        self.records: list[CallRecord] = []
        self.acks: dict[int, CommandAck] = {}

    def set_state(self, change: AgentStateChange) -> None:
        self.states.append(change)

    def record_call(self, record: CallRecord) -> None:
        self.records.append(record)

    def ack(self, command_id: int, ack: CommandAck) -> None:
        self.acks[command_id] = ack


class Phone:
    def __init__(self) -> None:
        self.hungup: list[str] = []

    def answer(self, call_id: str) -> None:
        pass

    def hangup(self, call_id: str) -> None:
        self.hungup.append(call_id)

    def blind_transfer(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def command(event_id: int, name: str, **data: Any) -> Event:
    return Event(id=event_id, kind=EventKind.COMMAND, at=utc_now(), target="agent01",
                 data={"command": name, "data": {**data, "by": "sup01"}})


def last(writes: Writes) -> tuple[AgentStateName, str | None]:
    return writes.states[-1].state, writes.states[-1].reason


def ring(call_id: str, headers: dict[str, str] | None = None) -> IncomingCall:
    return IncomingCall(call_id, "13800138000", "", dict(headers or {}), "sip:13800138000@127.0.0.1",
                        utc_now())


def ghost() -> tuple[GhostAgent, Writes, Phone, Clock]:
    writes, phone, clock = Writes(), Phone(), Clock()
    agent = GhostAgent("agent01", phone, writes, lambda *_a, **_k: None, acw_s=2.0, registrar=False,
                       clock=clock)
    agent.phone_event(EngineStarted(address="127.0.0.1", udp_port=5060))
    return agent, writes, phone, clock


def test_force_not_ready_during_a_call_is_taken_after_wrap_up_and_acked_as_such() -> None:
    agent, writes, _phone, clock = ghost()
    assert [s.state for s in writes.states] == [AgentStateName.READY]
    agent.phone_event(ring("c1", {"X-Queue": "repair"}))
    agent.phone_event(CallState("c1", "confirmed", 200, "OK"))
    agent.live_event(command(11, "force_state", state="not_ready", reason="meeting"))
    assert (writes.acks[11].ok, writes.acks[11].reason) == (True, "after_call")
    assert last(writes) == (AgentStateName.ON_CALL, None)  # the call is not interrupted
    agent.phone_event(CallEnded("c1", "remote hangup", 200, 5.0))
    assert last(writes) == (AgentStateName.ACW, None)
    clock.now += 2.5
    agent.tick()
    assert last(writes) == (AgentStateName.NOT_READY, "meeting")


def test_idle_force_state_at_once_refusals_and_release_all_acknowledged() -> None:
    agent, writes, phone, _clock = ghost()
    agent.live_event(command(1, "force_state", state="not_ready", reason="break"))
    assert writes.acks[1].ok
    assert last(writes) == (AgentStateName.NOT_READY, "break")
    agent.live_event(command(2, "force_release"))
    assert (writes.acks[2].ok, writes.acks[2].reason) == (False, "no_call")
    agent.live_event(command(3, "force_state", state="on_call"))
    assert (writes.acks[3].ok, writes.acks[3].reason) == (False, "bad_command")
    agent.phone_event(Registration(account="a", state="failed"))
    agent.live_event(command(4, "force_state", state="ready"))
    assert (writes.acks[4].ok, writes.acks[4].reason) == (False, "phone_offline")
    agent.phone_event(Registration(account="a", state="registered"))
    agent.phone_event(ring("c2"))
    agent.phone_event(CallState("c2", "confirmed", 200, "OK"))
    agent.live_event(command(5, "force_release"))
    assert 5 not in writes.acks  # acknowledged when the phone has ended the call
    assert phone.hungup == ["c2"]
    agent.phone_event(CallEnded("c2", "local hangup", 200, 1.0))
    assert (writes.acks[5].ok, writes.acks[5].reason) == (True, "")


def test_a_call_named_by_the_pbx_is_reported_and_commanded_under_that_name() -> None:
    agent, writes, phone, _clock = ghost()
    agent.phone_event(ring("engine-7", {"X-Call-Id": "pbx-42", "X-Queue": "repair"}))
    agent.phone_event(CallState("engine-7", "confirmed", 200, "OK"))
    assert writes.states[-1].call_id == "pbx-42"
    agent.live_event(command(21, "force_release", call_id="pbx-42"))
    assert phone.hungup == ["engine-7"]
    agent.phone_event(CallEnded("engine-7", "local hangup", 200, 1.0))
    assert writes.acks[21].ok
    assert [r.call_id for r in writes.records] == ["pbx-42"]
