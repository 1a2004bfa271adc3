"""The order form of an earlier caller says whose it is once the next caller is on the line (issue 11
QA, session 5); the rule is tested without Textual in tests/desk/test_form_owner.py."""

from __future__ import annotations

from textual.widgets import Static

from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, open_order_screen, screen_text, wait_until


async def test_the_first_callers_form_is_labelled_when_the_second_caller_is_answered() -> None:
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        form = await open_order_screen(pilot, app, "repair")
        owner = form.query_one("#form-owner", Static)
        assert not owner.display, "its own caller on the line: nothing to say"
        phone.ring("c2", "13900000002")
        await wait_until(pilot, lambda: app.desk.ringing_id == "c2", what="the second ring")
        assert not owner.display, "the first caller is still the one on the line"
        phone.hangup("c1")
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.desk.active_id == "c2", what="the second caller answered")
        await wait_until(pilot, lambda: "an earlier call" in screen_text(app), what="the form's owner shown")
        assert "13800138000" in screen_text(app)
