"""The supervisor-command rules, without a screen: every command gets an outcome, and the right one.

Examples for each rule, then properties over random situations and commands: every command is
acknowledged (now, or by the phone for a started call command), a state is never forced into the
middle of a call, a refusal always says why, and call commands only ever touch a live call.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from agent_tui.desk.supervisor import (
    CALL_STATES,
    AckReason,
    CallView,
    Coach,
    ForceRelease,
    ForceState,
    ForceTransfer,
    Outcome,
    Pickup,
    PickupCall,
    ReleaseCall,
    SetState,
    SetStateAfterCall,
    ShowNote,
    Situation,
    SupervisorCommand,
    TransferCall,
    decide,
    parse_command,
)
from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind

IDLE = Situation(state=AgentStateName.READY, phone_online=True)
TALKING = Situation(state=AgentStateName.ON_CALL, phone_online=True, calls=(CallView("c1", True),),
                    current="c1")
RINGING = Situation(state=AgentStateName.RINGING, phone_online=True, calls=(CallView("c2", False),),
                    current="c2")


def cmd(action: Any, command_id: int = 7) -> SupervisorCommand:
    return SupervisorCommand(command_id, "x", action)


def event(name: str, target: str | None = "agent1", **data: Any) -> Event:
    return Event(id=42, kind=EventKind.COMMAND, at=utc_now(), target=target,
                 data={"command": name, "data": {**data, "by": "sup01"}})


# ---- parsing -----------------------------------------------------------------------------------


def test_parse_reads_the_backends_command_event() -> None:
    parsed = parse_command(event("force_state", state="not_ready", reason="meeting"), "agent1")
    assert parsed is not None
    assert (parsed.command_id, parsed.action) == (42, ForceState(AgentStateName.NOT_READY, "meeting"))
    assert parse_command(event("force_state", target="agent2", state="ready"), "agent1") is None
    assert parse_command(event("training_hint", text="x"), "agent1") is None
    bad = parse_command(event("force_state", state="on_call"), "agent1")
    assert bad is not None
    assert bad.action is None
    assert "on_call" in bad.problem


def test_a_command_not_understood_is_refused_with_its_problem() -> None:
    bad = parse_command(event("force_transfer", call_id="c1"), "agent1")
    assert bad is not None
    decision = decide(bad, TALKING)
    assert decision.outcome is Outcome.REFUSED
    assert decision.ack is not None
    assert not decision.ack.ok
    assert (decision.ack.reason, decision.ack.detail) == ("bad_command", "no transfer target")
    assert decision.intents == ()


# ---- states --------------------------------------------------------------------------------------


def test_force_not_ready_while_idle_is_applied_at_once() -> None:
    decision = decide(cmd(ForceState(AgentStateName.NOT_READY, "meeting")), IDLE)
    assert decision.outcome is Outcome.APPLIED
    assert decision.intents == (SetState(AgentStateName.NOT_READY, "meeting"),)
    assert decision.ack is not None
    assert decision.ack.ok
    assert decision.ack.reason == ""


def test_force_not_ready_during_a_call_is_applied_after_this_call() -> None:
    for now in (TALKING, RINGING, Situation(state=AgentStateName.ACW, phone_online=True)):
        decision = decide(cmd(ForceState(AgentStateName.NOT_READY, "break")), now)
        assert decision.outcome is Outcome.PENDING, now
        assert decision.intents == (SetStateAfterCall(AgentStateName.NOT_READY, "break"),)
        assert decision.ack is not None
        assert decision.ack.ok
        assert decision.ack.reason == "after_call"
        assert decision.ack.detail == "the agent is on a call: not ready (break) after this call"


def test_force_ready_on_a_dead_phone_is_refused() -> None:
    down = Situation(state=AgentStateName.NOT_READY, phone_online=False)
    decision = decide(cmd(ForceState(AgentStateName.READY)), down)
    assert decision.outcome is Outcome.REFUSED
    assert decision.ack is not None
    assert (decision.ack.ok, decision.ack.reason) == (False, "phone_offline")
    logout = decide(cmd(ForceState(AgentStateName.LOGGED_OUT)), down)
    assert logout.outcome is Outcome.APPLIED


def test_coach_is_shown() -> None:
    decision = decide(cmd(Coach("slow down")), TALKING)
    assert decision.intents == (ShowNote("slow down"),)
    assert decision.ack is not None
    assert decision.ack.ok


# ---- call commands ---------------------------------------------------------------------------------


def test_release_and_transfer_start_on_the_current_call_and_are_acked_by_the_phone() -> None:
    release = decide(cmd(ForceRelease(None)), TALKING)
    assert (release.outcome, release.intents, release.ack) == (Outcome.STARTED, (ReleaseCall("c1"),), None)
    transfer = decide(cmd(ForceTransfer("c1", "2001")), TALKING)
    assert transfer.intents == (TransferCall("c1", "2001"),)


def test_call_commands_are_refused_with_why() -> None:
    cases = [
        (ForceTransfer(None, "2001"), RINGING, AckReason.NOT_ANSWERED),
        (Pickup(None, "1801"), TALKING, AckReason.NO_CALL),
        (Pickup("c1", "1801"), TALKING, AckReason.NOT_RINGING),
        (ForceRelease("gone"), TALKING, AckReason.NO_CALL),
        (ForceRelease(None), IDLE, AckReason.NO_CALL),
        (ForceRelease(None), Situation(state=AgentStateName.ON_CALL, has_phone=False), AckReason.NO_PHONE),
        (ForceRelease(None), Situation(state=AgentStateName.ON_CALL, calls=TALKING.calls, current="c1",
                                       busy=frozenset({"c1"})), AckReason.BUSY),
    ]
    for action, now, reason in cases:
        decision = decide(cmd(action), now)
        assert decision.outcome is Outcome.REFUSED, action
        assert decision.reason is reason, action
        assert decision.ack is not None, action
        assert decision.ack.detail, action


def test_pickup_takes_the_ringing_call() -> None:
    decision = decide(cmd(Pickup(None, "1801")), RINGING)
    assert decision.intents == (PickupCall("c2", "1801"),)


# ---- properties ------------------------------------------------------------------------------------

call_ids = st.sampled_from(["c1", "c2", "c3"])
calls = st.lists(st.builds(CallView, call_ids, st.booleans(), st.booleans()), max_size=3,
                 unique_by=lambda c: c.call_id)
situations = st.builds(
    Situation, state=st.sampled_from(list(AgentStateName)), has_phone=st.booleans(),
    phone_online=st.sampled_from([None, True, False]), calls=calls.map(tuple),
    current=st.none() | call_ids, busy=st.frozensets(call_ids, max_size=2),
)
settable = st.sampled_from([AgentStateName.READY, AgentStateName.NOT_READY, AgentStateName.LOGGED_OUT])
actions = st.one_of(
    st.builds(ForceState, settable, st.none() | st.sampled_from(["break", "meal"])),
    st.builds(Coach, st.text(min_size=1, max_size=20)),
    st.builds(ForceRelease, st.none() | call_ids),
    st.builds(ForceTransfer, st.none() | call_ids, st.just("2001")),
    st.builds(Pickup, st.none() | call_ids, st.just("1801")),
    st.none(),
)


@given(situations, actions, st.integers(min_value=1, max_value=10**9))
def test_every_command_gets_an_outcome_and_a_refusal_says_why(now: Situation, action: Any, cid: int) -> None:
    decision = decide(SupervisorCommand(cid, "x", action, "broken"), now)
    assert decision.command_id == cid
    if decision.outcome is Outcome.STARTED:
        # Acknowledged by the phone's tracker: exactly one call intent to hand it.
        assert decision.ack is None
        assert len(decision.intents) == 1
        assert isinstance(decision.intents[0], ReleaseCall | TransferCall | PickupCall)
    else:
        assert decision.ack is not None
        assert decision.ack.ok == (decision.outcome is not Outcome.REFUSED)
    if decision.outcome is Outcome.REFUSED:
        assert decision.reason is not None
        assert decision.detail
        assert decision.intents == ()


@given(situations, actions)
def test_a_state_is_never_forced_into_a_call(now: Situation, action: Any) -> None:
    decision = decide(SupervisorCommand(1, "x", action), now)
    on_a_call = now.state in CALL_STATES or any(not c.ended for c in now.calls)
    for intent in decision.intents:
        if isinstance(intent, SetState):
            assert not on_a_call
        if isinstance(intent, SetStateAfterCall):
            assert on_a_call
            assert decision.reason is AckReason.AFTER_CALL


@given(situations, actions)
def test_call_commands_touch_only_a_live_idle_call(now: Situation, action: Any) -> None:
    decision = decide(SupervisorCommand(1, "x", action), now)
    live = {c.call_id: c for c in now.calls if not c.ended}
    for intent in decision.intents:
        if isinstance(intent, ReleaseCall | TransferCall | PickupCall):
            assert now.has_phone
            assert intent.call_id in live
            assert intent.call_id not in now.busy
            if isinstance(intent, PickupCall):
                assert not live[intent.call_id].answered
            if isinstance(intent, TransferCall):
                assert live[intent.call_id].answered
        if isinstance(intent, SetState) and intent.state == AgentStateName.READY:
            assert now.phone_online is not False
