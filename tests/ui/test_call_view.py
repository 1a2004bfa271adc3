"""The call strip's plain parts, without Textual: the view of the desk's calls, the two-press key and
the footer's width arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime

from agent_tui.desk.calls import CallPhase, CallSession
from agent_tui.ui.desk.call_view import CallView, StripPhase, call_view
from agent_tui.ui.desk.desk_footer import key_width
from agent_tui.ui.desk.second_press import SecondPress

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def session(call_id: str = "c1", phase: CallPhase = CallPhase.TALKING, number: str = "13800138000",
            answered: bool = True) -> CallSession:
    return CallSession(call_id=call_id, number=number, display="Li", phase=phase,
                       answered_at=T0 if answered else None)


def test_no_call_is_idle_with_the_state() -> None:
    view = call_view("Ready", "-ready", active=None, ringing=None, last_ended=None)
    assert view == CallView(state_label="Ready", state_class="-ready")
    assert not view.live


def test_a_ringing_call_is_live_and_has_no_timer_start() -> None:
    view = call_view("Ringing", "-on-call", active=None,
                     ringing=session(phase=CallPhase.RINGING, answered=False), last_ended=None)
    assert view.phase is StripPhase.RINGING
    assert view.answered_at is None
    assert view.live


def test_the_active_call_wins_and_a_second_ringing_call_shows_as_waiting() -> None:
    active = session()
    waiting = session("c2", CallPhase.RINGING, number="13900000000", answered=False)
    view = call_view("On call", "-on-call", active=active, ringing=waiting, last_ended=None)
    assert view.number == "13800138000"
    assert view.waiting == "13900000000"
    assert view.answered_at == T0


def test_a_held_call_carries_its_hold_start() -> None:
    active = session()
    active.start_hold()
    view = call_view("On call", "-on-call", active=active, ringing=None, last_ended=None)
    assert view.phase is StripPhase.HELD
    assert view.hold_started == active.hold_started


def test_an_ended_call_shows_until_it_is_wrapped_up() -> None:
    ended = session(phase=CallPhase.ENDED)
    ended.ended_at = T0.replace(minute=3)
    view = call_view("After-call work", "-acw", active=None, ringing=None, last_ended=ended)
    assert view.phase is StripPhase.ENDED
    assert view.ended_at == ended.ended_at
    assert not view.live
    ended.wrapped_up = True
    assert call_view("Ready", "-ready", active=None, ringing=None, last_ended=ended).phase is StripPhase.IDLE


def test_an_unchanged_call_gives_an_equal_view() -> None:
    """Publishing once a second must cost nothing while nothing changes (equal values do not repaint)."""
    active = session()
    first = call_view("On call", "-on-call", active=active, ringing=None, last_ended=None)
    assert call_view("On call", "-on-call", active=active, ringing=None, last_ended=None) == first
    active.muted = True
    assert call_view("On call", "-on-call", active=active, ringing=None, last_ended=None) != first


def test_second_press_acts_only_within_the_window() -> None:
    key = SecondPress(window_s=2.0)
    assert not key.press(10.0)
    assert key.press(11.5)
    assert not key.press(20.0), "a confirmed press disarms: the next one arms again"
    assert not key.press(22.5), "too late: arms again instead"
    assert key.press(23.0)
    assert not key.press(30.0)
    key.reset()
    assert not key.press(30.5)


def test_key_width_counts_wide_characters_twice() -> None:
    assert key_width("f4", "Hang up") == 2 + 1 + 7 + 1
    assert key_width("f4", "挂断") == 2 + 1 + 4 + 1
