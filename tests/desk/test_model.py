"""The desk model's rules, one example each (no Textual): the findings of issue 11 among them."""

from __future__ import annotations

from agent_tui.desk.effects import CloseWrapup, Notify, OpenWrapup, RaiseRinging, SendState, StartLookup
from agent_tui.desk.events import Tick
from agent_tui.desk.rules import MISSED_CALL, PHONE_OFFLINE
from agent_tui.desk.wrapup import WrapUp
from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.figures import HandlingSums, handle_seconds
from agent_tui.phone.events import CallState, IncomingCall
from tests.desk.harness import Desk

READY = (AgentStateName.READY, None)


def ready_desk(**rules: object) -> Desk:
    desk = Desk(**rules)
    desk.run(desk.model.set_ready())
    assert desk.current() == READY
    return desk


def test_a_ring_is_raised_looked_up_and_its_state_write_waits_for_the_card() -> None:
    desk = ready_desk()
    event_effects = desk.run(desk.model.apply(IncomingCall(
        call_id="c1", number="139", display="", headers={}, remote_uri="sip:139@x",
        at=desk.clock.desk_clock().wall())))
    assert RaiseRinging("c1") in event_effects
    assert StartLookup("c1") in event_effects
    assert not [e for e in event_effects if isinstance(e, SendState)]  # held: the pop goes first
    assert desk.current() == (AgentStateName.RINGING, None)
    painted = desk.run(desk.model.pop_painted())
    assert [e.change.state for e in painted if isinstance(e, SendState)] == [AgentStateName.RINGING]
    assert [e.change.call_id for e in painted if isinstance(e, SendState)] == ["c1"]


def test_timeboxed_acw_running_out_saves_what_was_typed_with_its_acw_time() -> None:
    desk = ready_desk(acw_mode="timeboxed", acw_seconds=60)
    desk.ring("c1")
    desk.answer("c1")
    desk.clock.advance(30)
    out = desk.end("c1")
    assert OpenWrapup("c1") in out
    assert desk.current() == (AgentStateName.ACW, None)
    desk.run(desk.model.open_wrapup("c1"))
    typed = WrapUp(disposition="information", resolved=True, notes="asked about the outage")
    desk.run(desk.model.edit_wrapup("c1", typed))
    desk.clock.advance(59)
    desk.run(desk.model.apply(Tick()))
    assert desk.current() == (AgentStateName.ACW, None)
    desk.clock.advance(1)
    out = desk.run(desk.model.apply(Tick()))
    assert CloseWrapup("c1") in out  # the panel does not stay open at 0:00
    final = desk.records(final=True)
    assert len(final) == 1
    record = final[0].record
    assert (record.disposition, record.notes, record.acw_s) == ("information", "asked about the outage", 60)
    assert record.talk_s == 30
    assert desk.current() == READY
    assert desk.sent_states()[-1] == READY


def test_stay_mode_keeps_acw_until_the_wrap_up_is_saved() -> None:
    desk = ready_desk(acw_mode="timeboxed", acw_seconds=10, acw_expiry="stay")
    desk.ring("c1")
    desk.answer("c1")
    desk.end("c1")
    desk.clock.advance(15)
    out = desk.run(desk.model.apply(Tick()))
    assert any(isinstance(e, Notify) for e in out)
    assert desk.current() == (AgentStateName.ACW, None)
    desk.run(desk.model.set_ready())
    assert desk.current() == (AgentStateName.ACW, None)  # refused: wrap up first
    desk.clock.advance(5)
    desk.run(desk.model.save_wrapup("c1", WrapUp(disposition="resolved")))
    assert desk.records(final=True)[0].record.acw_s == 20
    assert desk.current() == READY


def test_no_ready_is_sent_while_a_wrap_up_is_unsaved() -> None:
    desk = ready_desk(acw_mode="mandatory")
    desk.ring("c1")
    desk.answer("c1")
    desk.end("c1")
    desk.run(desk.model.set_ready())
    desk.run(desk.model.force_ready())
    desk.run(desk.model.set_state(AgentStateName.READY))
    assert desk.current() == (AgentStateName.ACW, None)
    assert desk.sent_states()[-1] == (AgentStateName.ACW, None)
    desk.run(desk.model.save_wrapup("c1", WrapUp(disposition="resolved")))
    assert desk.current() == READY


def test_a_second_ring_during_wrap_up_is_raised_and_answering_it_saves_the_first_wrap_up() -> None:
    desk = ready_desk(acw_mode="timeboxed")
    desk.ring("c1")
    desk.answer("c1")
    desk.end("c1")
    desk.run(desk.model.open_wrapup("c1"))
    desk.run(desk.model.edit_wrapup("c1", WrapUp(disposition="callback", notes="call back at 5")))
    out = desk.ring("c2")
    assert RaiseRinging("c2") in out
    assert desk.model.ringing is not None
    assert desk.model.ringing.call_id == "c2"
    desk.run(desk.model.cancel_wrapup("c1"))  # the panel made way for the ring; the values stay
    assert desk.model.wrapup_values("c1").notes == "call back at 5"
    desk.answer("c2")
    assert [r.record.call_id for r in desk.records(final=True)] == ["c1"]
    assert desk.records(final=True)[0].record.disposition == "callback"
    assert desk.current() == (AgentStateName.ON_CALL, None)


def test_not_ready_during_a_call_waits_for_the_wrap_up() -> None:
    desk = ready_desk(acw_mode="optional")
    desk.ring("c1")
    desk.run(desk.model.set_not_ready("meal"))
    assert desk.model.next_state == (AgentStateName.NOT_READY, "meal")
    assert desk.current() == (AgentStateName.RINGING, None)
    desk.answer("c1")
    desk.end("c1")
    assert desk.current() == (AgentStateName.ACW, None)
    desk.run(desk.model.save_wrapup("c1", WrapUp(disposition="resolved")))
    assert desk.current() == (AgentStateName.NOT_READY, "meal")
    assert desk.model.next_state is None


def test_a_missed_ring_sets_not_ready_when_configured() -> None:
    desk = ready_desk(missed_call_not_ready=True)
    desk.ring("c1")
    desk.end("c1", reason="unanswered")
    assert desk.current() == (AgentStateName.NOT_READY, MISSED_CALL)
    off = ready_desk(missed_call_not_ready=False)
    off.ring("c1")
    off.end("c1")
    assert off.current() == READY


def test_a_rejected_ring_is_not_a_missed_call() -> None:
    desk = ready_desk()
    desk.ring("c1")
    desk.run(desk.model.hang_up())
    assert desk.commands()[-1].command == "reject"
    desk.end("c1")
    assert desk.current() == READY


def test_talk_excludes_hold_and_the_hold_timer_runs_while_held() -> None:
    desk = ready_desk(acw_mode="optional")
    desk.ring("c1")
    desk.answer("c1")
    desk.clock.advance(4)
    desk.run(desk.model.toggle_hold())
    assert desk.commands()[-1].command == "hold"
    desk.clock.advance(3)
    call = desk.model.active
    assert call is not None
    assert call.current_hold_s(desk.clock.seconds) == 3
    desk.run(desk.model.toggle_hold())
    desk.run(desk.model.apply(CallState(call_id="c1", state="resumed")))
    desk.clock.advance(5)
    desk.end("c1")
    record = desk.records(final=False)[0].record
    assert (record.talk_s, record.hold_s) == (9, 3)
    desk.run(desk.model.save_wrapup("c1", WrapUp(disposition="resolved")))
    assert desk.model.stats.handle_s == handle_seconds(9, 3, 0)


def test_phone_offline_keeps_not_ready_and_restores_the_state_before() -> None:
    desk = ready_desk()
    desk.run(desk.model.phone_health(False))
    assert desk.current() == (AgentStateName.NOT_READY, PHONE_OFFLINE)
    desk.run(desk.model.set_ready())
    assert desk.current() == (AgentStateName.NOT_READY, PHONE_OFFLINE)
    desk.run(desk.model.phone_health(True))
    assert desk.current() == READY


def test_every_answered_call_has_one_final_record_even_a_wrap_up_saved_during_the_call() -> None:
    desk = ready_desk()
    desk.ring("c1")
    desk.answer("c1")
    desk.run(desk.model.open_wrapup("c1"))
    desk.run(desk.model.save_wrapup("c1", WrapUp(disposition="resolved", notes="early")))
    assert not desk.records(final=True)
    desk.end("c1")
    final = desk.records(final=True)
    assert [(r.record.call_id, r.record.notes) for r in final] == [("c1", "early")]
    assert desk.current() == READY


def test_desk_stats_are_seedable() -> None:
    stats = HandlingSums(calls=4, talk_s=500.0, hold_s=100.0, acw_s=200.0, resolved=3, judged=4)
    stats.add(100, 20, 80, True)
    assert stats.calls == 5
    assert stats.aht_s == 200.0
    assert stats.fcr == 0.8


def test_ready_in_optional_acw_saves_an_empty_wrap_up_without_claiming_resolution() -> None:
    desk = ready_desk(acw_mode="optional")
    desk.ring("c1")
    desk.answer("c1")
    desk.end("c1")
    desk.run(desk.model.set_ready())
    record = desk.records(final=True)[0].record
    assert (record.disposition, record.first_call_resolved) == (None, None)
    assert desk.current() == READY
    assert desk.model.stats.calls == 1
    assert desk.model.stats.fcr is None


def test_two_calls_at_once_each_get_their_wrap_up_and_acw_lasts_until_both_are_saved() -> None:
    desk = ready_desk(acw_mode="mandatory")
    desk.ring("c1")
    desk.answer("c1")
    desk.ring("c2")  # call waiting
    desk.run(desk.model.answer())
    assert [c.command for c in desk.commands()[-2:]] == ["hold", "answer"]
    desk.answer("c2")
    desk.end("c2")
    assert desk.current() == (AgentStateName.ON_CALL, None)  # c1 is still up (held)
    desk.end("c1")
    assert desk.current() == (AgentStateName.ACW, None)
    assert [w.call_id for w in desk.model.unsaved()] == ["c2", "c1"]
    desk.run(desk.model.save_wrapup("c2", WrapUp(disposition="resolved")))
    assert desk.current() == (AgentStateName.ACW, None)
    desk.run(desk.model.save_wrapup("c1", WrapUp(disposition="callback")))
    assert desk.current() == READY
    assert sorted(r.record.call_id for r in desk.records(final=True)) == ["c1", "c2"]


def test_not_ready_chosen_while_dialing_out_is_taken_when_the_dial_fails() -> None:
    desk = ready_desk()
    desk.run(desk.model.dialed("o1", "13800000009"))
    desk.run(desk.model.set_not_ready("break"))
    assert desk.current() == READY
    desk.end("o1", reason="Busy Here")
    assert desk.current() == (AgentStateName.NOT_READY, "break")
