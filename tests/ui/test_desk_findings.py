"""Issue 11's findings on the desk screen, as an agent meets them (Pilot; the rules are proven without
Textual in tests/desk): a wrap-up open when time-boxed after-call work runs out, a ring during wrap-up,
Not Ready chosen during a call, a missed ring, an earlier caller's draft."""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList, TextArea

from agent_tui.domain.agent import AgentStateName
from agent_tui.phone.events import CallEnded
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.form import FormScreen
from agent_tui.ui.desk.order import OrderPickScreen
from agent_tui.ui.desk.wrapup import WrapUpScreen
from tests.ui.doubles import FakeBackend, FakePhone, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, popped, screen_text, state_of, wait_until


def reason_of(app: DeskApp) -> str | None:
    return app.desk.status.reason


async def ready(pilot: Any, app: DeskApp) -> None:
    await wait_until(pilot, lambda: app.desk.logged_in, what="login")
    await pilot.press("f2")
    await wait_until(pilot, lambda: state_of(app) == AgentStateName.READY, what="Ready")


async def take_call(pilot: Any, app: DeskApp, phone: FakePhone, call_id: str,
                    number: str = "13800138000") -> None:
    await answer_first_call(pilot, app, phone, call_id=call_id, number=number)


async def test_time_running_out_with_the_wrap_up_open_saves_what_was_typed() -> None:
    # 4 s of after-call work: room to open the panel and type on a loaded machine (2 s failed at load 15).
    options = DeskOptions(username="agent1", acw_mode="timeboxed", acw_seconds=4)
    app, phone, _, writes = make_app(options=options)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await take_call(pilot, app, phone, "c1")
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up panel")
        panel = app.screen
        assert isinstance(panel, WrapUpScreen)
        panel.query_one("#wrapup-notes", TextArea).focus()
        await pilot.press(*"no power")
        await wait_until(pilot, lambda: app.desk.model.wrapup_values("c1").notes == "no power", what="typed")
        # The panel does not stay at 0:00: it closes, and the call record carries what was typed.
        await wait_until(pilot, lambda: app.screen is app.desk, deadline_s=15, what="panel closed")
        final = [r for r in writes.calls if r.call_id == "c1" and r.notes]
        assert [r.notes for r in final] == ["no power"]
        assert final[0].acw_s >= 4
        assert state_of(app) == AgentStateName.READY
        assert "(no summary)" not in screen_text(app)


async def test_a_ring_during_wrap_up_is_not_hidden_and_the_typed_text_comes_back() -> None:
    app, phone, _, _ = make_app(options=DeskOptions(username="agent1", acw_mode="mandatory"))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await take_call(pilot, app, phone, "c1")
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up panel")
        panel = app.screen
        assert isinstance(panel, WrapUpScreen)
        panel.query_one("#wrapup-notes", TextArea).focus()
        await pilot.press(*"call back")
        await wait_until(pilot, lambda: app.desk.model.wrapup_values("c1").notes == "call back", what="typed")
        phone.ring(call_id="c2", number="13900000002")
        await wait_until(pilot, lambda: app.screen is app.desk, what="the panel made way")
        assert "Ringing" in screen_text(app) or "Call waiting" in screen_text(app)
        phone.emit(CallEnded(call_id="c2", reason="unanswered", code=487, duration_s=0))
        await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up back")
        again = app.screen
        assert isinstance(again, WrapUpScreen)
        await wait_until(pilot, lambda: again.query_one("#wrapup-notes", TextArea).text == "call back",
                         what="typed text shown again")
        assert state_of(app) == AgentStateName.ACW


async def test_not_ready_during_a_call_shows_and_is_taken_after_the_wrap_up() -> None:
    app, phone, _, writes = make_app(options=DeskOptions(username="agent1", acw_mode="mandatory"))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        await take_call(pilot, app, phone, "c1")
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("down", "enter")  # meal
        await wait_until(pilot, lambda: app.desk.model.next_state is not None, what="pending Not Ready")
        assert "after this call" in screen_text(app)
        assert state_of(app) == AgentStateName.ON_CALL
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up panel")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is app.desk, what="saved")
        await wait_until(pilot, lambda: state_of(app) == AgentStateName.NOT_READY, what="Not Ready")
        assert reason_of(app) == "meal"
        assert AgentStateName.READY not in [s.state for s in writes.states][-3:]


async def test_a_missed_ring_sets_not_ready() -> None:
    app, phone, _, writes = make_app(options=DeskOptions(username="agent1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        phone.ring(call_id="c1")
        await wait_until(pilot, lambda: popped(app, "c1"), what="pop")
        phone.emit(CallEnded(call_id="c1", reason="unanswered", code=487, duration_s=0))
        await wait_until(pilot, lambda: state_of(app) == AgentStateName.NOT_READY, what="Not Ready")
        assert reason_of(app) == "missed_call"
        assert "Missed call" in screen_text(app)
        last = writes.states[-1]
        assert (last.state, last.reason) == (AgentStateName.NOT_READY, "missed_call")


async def test_an_earlier_callers_draft_is_listed_apart_and_opened_for_its_own_call() -> None:
    first, second = customer(cid=1, name="Li Lei", phone="13900000001"), customer(
        cid=2, name="Han Mei", account="3300112299", phone="13900000002")
    backend = FakeBackend({"13900000001": [full_match(first)], "13900000002": [full_match(second)]})
    app, phone, _, _ = make_app(backend, options=DeskOptions(username="agent1", acw_mode="optional"))
    async with app.run_test(size=(100, 34)) as pilot:
        await ready(pilot, app)
        await take_call(pilot, app, phone, "c1", "13900000001")
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderPickScreen) and bool(app.screen.screens))
        picker = app.screen
        assert isinstance(picker, OrderPickScreen)
        repair = [s.id for s in picker.screens].index("repair")
        picker.query_one("#order-screens", OptionList).highlighted = repair
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="form")
        await pilot.press("escape")  # the draft stays
        await wait_until(pilot, lambda: app.screen is app.desk, what="back at the desk")
        await pilot.press("f4")
        await wait_until(pilot, lambda: app.desk.active_id is None, what="c1 over")
        await take_call(pilot, app, phone, "c2", "13900000002")
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderPickScreen) and bool(app.screen.screens))
        picker = app.screen
        assert isinstance(picker, OrderPickScreen)
        assert picker.drafts == []  # nothing of this caller's to resume first
        assert len(picker.earlier) == 1
        listing = picker.query_one("#order-screens", OptionList)
        first_label = str(listing.get_option_at_index(0).prompt)
        assert "draft" not in first_label.lower()
        last_label = str(listing.get_option_at_index(listing.option_count - 1).prompt)
        assert "Li Lei" in last_label
        listing.highlighted = listing.option_count - 1
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="draft form")
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.session is not None
        assert form.session.call_id == "c1"
        assert form.run.customer_id == first.id


async def test_hold_shows_a_hold_timer_that_runs() -> None:
    app, phone, _, _ = make_app(options=DeskOptions(username="agent1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        await take_call(pilot, app, phone, "c1")
        await pilot.press("f5")
        await wait_until(pilot, lambda: "Hold 0:00" in screen_text(app), what="the hold timer")
        await wait_until(pilot, lambda: "Hold 0:01" in screen_text(app), deadline_s=5, what="it runs")
        await pilot.press("f5")
        await wait_until(pilot, lambda: "Hold 0:" not in screen_text(app), what="resumed")
        session = app.desk.calls["c1"]
        assert session.hold_s >= 1
