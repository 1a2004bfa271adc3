"""ctrl+q in after-call work asks first (issue 11 QA, session 5): with the wrap-up not saved, ctrl+q
quit at once and the disposition, notes and ACW time of the call were lost (the record stayed without
a summary and the backend kept the agent in after-call work)."""

from __future__ import annotations

from agent_tui.ui.common.confirm import ConfirmScreen
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, screen_text, wait_until


async def test_ctrl_q_with_a_wrap_up_not_saved_asks_and_no_keeps_it() -> None:
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press("f4")
        await wait_until(pilot, lambda: app.desk.model.unsaved(), what="the wrap-up to do")
        assert not app.writes_queued
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "wrap-up" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="back to work")
        assert app.is_running
        assert app.desk.model.unsaved(), "the wrap-up is still there to save"
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked again")
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, what="the exit")
