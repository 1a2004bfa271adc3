"""An order form left open from an earlier call says so once another caller is on the line (issue 11
QA, session 5): the form of caller A stayed open, unlabelled at 80 columns, while the agent answered
caller B, so B's request went into A's order and was filed for A. No Textual."""

from __future__ import annotations

from agent_tui.desk.drafts import form_for_other_caller
from tests.desk.test_drafts import Run, call


def test_a_form_of_an_earlier_call_is_for_another_caller_once_the_next_one_is_on_the_line() -> None:
    first, second = call("c1", "13900000001", 1, "Li Lei"), call("c2", "13900000002", 2, "Han Mei")
    form = Run("d1", "c1", 1)
    assert not form_for_other_caller(form, first)
    assert form_for_other_caller(form, second)
    assert not form_for_other_caller(form, None), "nobody on the line: nobody to confuse it with"


def test_a_form_started_without_a_call_belongs_to_nobody_and_a_customer_form_to_that_customer() -> None:
    second = call("c2", "13900000002", 2, "Han Mei")
    assert not form_for_other_caller(Run("d1", None, None), second)
    assert not form_for_other_caller(Run("d2", None, 2), second)
    assert form_for_other_caller(Run("d3", None, 1), second)
