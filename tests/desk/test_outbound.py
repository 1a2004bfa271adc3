"""The outbound dialer's rules by example (the random orders are in test_outbound_machine.py)."""

from __future__ import annotations

from agent_tui.desk.effects import Notify
from agent_tui.desk.outbound import (
    INBOUND_CALL,
    NOT_TAKEN,
    DialerPhase,
    DialItem,
    FetchNext,
    OutboundDialer,
    OutboundItem,
    OutboundMode,
    Outcome,
    ReleaseItem,
    SaveOutcome,
)
from agent_tui.desk.wrapup import WrapUp
from agent_tui.phone.events import CallEnded, CallState
from tests.desk.harness import Desk

ITEM = OutboundItem(source="callback", item_id="7", number="13700000007", name="Li Lei")


def offered(mode: OutboundMode = "preview", preview_s: float = 15) -> tuple[Desk, OutboundDialer]:
    desk = Desk()
    desk.run(desk.model.set_ready())
    dialer = OutboundDialer(mode=mode, preview_s=preview_s)
    assert dialer.sync(desk.model, desk.clock.seconds) == [FetchNext()]
    assert dialer.fetched(ITEM, desk.model, desk.clock.seconds) == []
    assert dialer.phase is DialerPhase.OFFERED
    return desk, dialer


def test_nothing_is_asked_for_while_not_ready_or_when_off() -> None:
    desk = Desk()
    assert OutboundDialer().sync(desk.model, desk.clock.seconds) == []
    desk.run(desk.model.set_ready())
    assert OutboundDialer(mode="off").sync(desk.model, desk.clock.seconds) == []


def test_an_empty_answer_waits_poll_seconds_before_asking_again() -> None:
    desk = Desk()
    desk.run(desk.model.set_ready())
    dialer = OutboundDialer(poll_s=20)
    dialer.sync(desk.model, desk.clock.seconds)
    dialer.fetched(None, desk.model, desk.clock.seconds)
    desk.clock.advance(19)
    assert dialer.sync(desk.model, desk.clock.seconds) == []
    desk.clock.advance(1)
    assert dialer.sync(desk.model, desk.clock.seconds) == [FetchNext()]


def test_accept_dials_and_the_outcome_closes_or_reschedules() -> None:
    desk, dialer = offered()
    assert dialer.accept(desk.model) == [DialItem(ITEM)]
    dialer.placed("o1")
    desk.run(desk.model.dialed("o1", ITEM.number))
    desk.run(desk.model.apply(CallState(call_id="o1", state="confirmed", direction="outbound")))
    dialer.call_answered("o1")
    assert dialer.sync(desk.model, desk.clock.seconds) == []
    desk.end("o1")
    dialer.call_ended("o1")
    assert dialer.phase is DialerPhase.OUTCOME
    assert dialer.sync(desk.model, desk.clock.seconds) == []  # in the wrap-up: nothing offered
    assert dialer.finish(Outcome("reached", "done")) == [SaveOutcome(ITEM, Outcome("reached", "done", "o1"))]
    desk.run(desk.model.save_wrapup("o1", WrapUp(disposition="resolved")))
    # The outcome is on its way: the backend would hand this agent the same item again (still theirs).
    assert dialer.sync(desk.model, desk.clock.seconds) == []
    assert dialer.delivered(0, desk.model, desk.clock.seconds) == [FetchNext()]


def test_a_ring_withdraws_the_offer_and_releases_the_item() -> None:
    desk, dialer = offered()
    desk.ring("c1")
    assert dialer.sync(desk.model, desk.clock.seconds) == [ReleaseItem(ITEM, INBOUND_CALL)]
    assert dialer.accept(desk.model) == []


def test_an_item_arriving_during_a_ring_goes_straight_back() -> None:
    desk = Desk()
    desk.run(desk.model.set_ready())
    dialer = OutboundDialer()
    dialer.sync(desk.model, desk.clock.seconds)
    desk.ring("c1")
    dialer.sync(desk.model, desk.clock.seconds)
    desk.answer("c1")
    desk.end("c1")
    desk.run(desk.model.save_wrapup("c1", WrapUp(disposition="resolved")))
    assert dialer.fetched(ITEM, desk.model, desk.clock.seconds) == [ReleaseItem(ITEM, INBOUND_CALL)]


def test_progressive_dials_when_the_countdown_ends() -> None:
    desk, dialer = offered("progressive", 10)
    desk.clock.advance(9)
    assert dialer.seconds_left(desk.clock.seconds) == 1
    assert dialer.tick(desk.model, desk.clock.seconds) == []
    desk.clock.advance(1)
    assert dialer.tick(desk.model, desk.clock.seconds) == [DialItem(ITEM)]


def test_an_unanswered_preview_goes_back_and_pauses_until_resumed() -> None:
    desk, dialer = offered("preview", 10)
    desk.clock.advance(10)
    out = dialer.tick(desk.model, desk.clock.seconds)
    assert out[0] == ReleaseItem(ITEM, NOT_TAKEN)
    assert isinstance(out[1], Notify)
    desk.clock.advance(100)
    assert dialer.delivered(0, desk.model, desk.clock.seconds) == []  # paused: nothing asked for
    assert dialer.tick(desk.model, desk.clock.seconds) == []
    dialer.resume(desk.clock.seconds)
    assert dialer.sync(desk.model, desk.clock.seconds) == [FetchNext()]


def test_a_skipped_item_is_named_in_the_next_fetch() -> None:
    desk, dialer = offered()
    assert dialer.skip("wrong number") == [ReleaseItem(ITEM, "wrong number")]
    assert dialer.sync(desk.model, desk.clock.seconds) == []  # not before the release is answered
    assert dialer.delivered(0, desk.model, desk.clock.seconds) == [FetchNext(skip=("callback:7",))]


def test_a_failed_dial_releases_the_item() -> None:
    desk, dialer = offered()
    dialer.accept(desk.model)
    assert dialer.dial_failed() == [ReleaseItem(ITEM, "dial failed")]


def test_no_item_is_asked_for_until_every_release_and_outcome_is_delivered() -> None:
    desk, dialer = offered()
    assert dialer.skip("") == [ReleaseItem(ITEM, "skipped")]
    second = OutboundItem(source="campaign", item_id="8", number="13700000008")
    assert dialer.fetched(second, desk.model, desk.clock.seconds) == [ReleaseItem(second, "agent not ready")]
    assert dialer.writing == 2
    assert dialer.delivered(1, desk.model, desk.clock.seconds) == []
    assert dialer.delivered(0, desk.model, desk.clock.seconds) == [FetchNext(skip=("callback:7",))]
    assert dialer.writing == 0


def test_the_backend_down_holds_dialing_back_while_inbound_calls_go_on() -> None:
    """The outcome waits in the outbox while the backend is down: the agent takes inbound calls, nothing
    new is asked for (the backend would hand back the contact still held); it comes once delivered."""
    desk, dialer = offered()
    dialer.accept(desk.model)
    dialer.placed("o1")
    desk.run(desk.model.dialed("o1", ITEM.number))
    desk.end("o1")
    dialer.call_ended("o1")
    assert dialer.finish(Outcome("no_answer")) == [SaveOutcome(ITEM, Outcome("no_answer", "", "o1"))]
    desk.run(desk.model.save_wrapup("o1", WrapUp(disposition="resolved")))
    for n in range(3):  # the backend is down: each tick the journal still holds the outcome
        desk.clock.advance(30)
        assert dialer.delivered(1, desk.model, desk.clock.seconds) == []
        assert dialer.tick(desk.model, desk.clock.seconds) == []
        desk.ring(f"c{n}")
        assert dialer.sync(desk.model, desk.clock.seconds) == []
        desk.answer(f"c{n}")
        desk.end(f"c{n}")
        desk.run(desk.model.save_wrapup(f"c{n}", WrapUp(disposition="resolved")))
        assert dialer.sync(desk.model, desk.clock.seconds) == []
    assert dialer.phase is DialerPhase.IDLE
    assert dialer.delivered(0, desk.model, desk.clock.seconds) == [FetchNext()]  # the backend is back


def test_a_dialer_started_with_writes_left_in_the_journal_waits_for_them() -> None:
    desk = Desk()
    desk.run(desk.model.set_ready())
    dialer = OutboundDialer(writing=1)  # the last run's outcome is still in the outbox
    assert dialer.sync(desk.model, desk.clock.seconds) == []
    assert dialer.delivered(0, desk.model, desk.clock.seconds) == [FetchNext()]


def test_an_unrelated_call_ending_does_not_end_the_item() -> None:
    desk, dialer = offered()
    dialer.accept(desk.model)
    dialer.placed("o1")
    desk.run(desk.model.apply(CallEnded(call_id="other", reason="BYE", code=200, duration_s=0)))
    dialer.call_ended("other")
    assert dialer.phase is DialerPhase.ON_CALL
