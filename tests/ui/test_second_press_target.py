"""The two-press hang-up is about one call (issue 11 QA, session 5): `x` pressed once on a call that
then ended, and `x` again within the window on the next caller, hung the next caller up at once."""

from __future__ import annotations

from agent_tui.ui.desk.second_press import SecondPress


def test_a_first_press_on_one_call_does_not_confirm_on_another() -> None:
    key = SecondPress(window_s=2.0)
    assert not key.press(10.0, "c1")
    assert not key.press(11.0, "c2"), "the first press was about c1: on c2 it only arms"
    assert key.press(11.5, "c2")


def test_the_same_call_within_the_window_confirms() -> None:
    key = SecondPress(window_s=2.0)
    assert not key.press(10.0, "c1")
    assert key.press(11.0, "c1")
