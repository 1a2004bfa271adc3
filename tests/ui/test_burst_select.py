"""A choice list typed in one burst (QA, issue 11): `Enter wro Enter Tab Tab text` posted to the App in
one go, as the terminal driver posts the keys of one read. The list takes the letters, the pick holds,
and the keys after the pick stay where the Tabs took the focus. The same in a real terminal:
tests/e2e/test_form_keys_in_bursts.py."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Checkbox, Input, TextArea
from textual.widgets._select import SelectOverlay

from agent_tui.ui.common.burst_select import BurstSelect
from agent_tui.ui.desk.wrapup import WrapUpScreen
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, open_order_screen, screen_text, wait_until


def burst(app: App[Any], keys: list[str]) -> None:
    """Post every key at once, the way the driver posts the keys of one read."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


async def test_a_disposition_picked_in_a_burst_holds_and_the_keys_behind_it_land_in_the_notes() -> None:
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone, deadline_s=10)
        await pilot.press("f10")
        await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="the wrap-up")
        screen = app.screen
        select = screen.query_one("#wrapup-disposition", BurstSelect)
        await wait_until(pilot, lambda: app.focused is select, what="the focus on the disposition")
        burst(app, ["enter", "w", "r", "o", "enter", "tab", "tab", "n", "o", "enter", "o", "k"])
        notes = screen.query_one(TextArea)
        await wait_until(pilot, lambda: notes.text == "ok", what="the notes typed behind the pick")
        assert select.value == "wrong_number"
        assert screen.query_one("#wrapup-transfer", Input).value == "no"
        await pilot.pause()
        assert app.focused is notes, "a late focus move took the focus back to the list"


async def test_a_list_picked_and_its_step_left_in_one_burst_keeps_the_desk_running() -> None:
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone, deadline_s=10)
        form = await open_order_screen(pilot, app, "repair")
        fault = form.query_one(BurstSelect)
        await wait_until(pilot, lambda: app.focused is fault, what="the focus on the fault type")
        # The step holding the list is gone before the list's late focus moves run (NoScreen stopped
        # the desk).
        burst(app, ["enter", "v", "o", "l", "t", "enter", "pagedown"])
        await wait_until(pilot, lambda: "Since when" in screen_text(app), what="the next step")
        await pilot.pause()
        assert app.is_running
        assert form.run.value("fault_type") == "voltage"



class _Fields(App[None]):
    """A field before the list and one after it, as on the wrap-up (disposition, then FCR)."""

    def compose(self) -> ComposeResult:
        yield Input(id="before")
        yield BurstSelect([("One", 1), ("Two", 2)], id="pick")
        yield Checkbox("FCR", id="after")


async def test_a_tab_routed_right_after_a_pick_goes_to_the_next_field() -> None:
    # Under load the App routed the Tab typed behind the pick between the pick and a late focus move:
    # the focus was still on the closed list, outside the focus chain, so Tab started again at the
    # first field (the wrap-up's notes went to the FCR checkbox). The focus must be back on the Select
    # when the pick has been handled, before anything else runs.
    app = _Fields()
    async with app.run_test() as pilot:
        select = app.query_one(BurstSelect)
        select.focus()
        await pilot.press("enter")
        overlay = select.query_one(SelectOverlay)
        await wait_until(pilot, lambda: app.focused is overlay, what="the list open")
        seen: dict[str, Any] = {}

        def right_after_the_pick() -> None:
            seen["focused"] = app.focused
            seen["tab"] = app.screen.focus_next()

        select.post_message(SelectOverlay.UpdateSelection(1))  # "One": index 0 is the blank
        select.call_later(right_after_the_pick)  # the Select's queue: right behind the pick
        await wait_until(pilot, lambda: "tab" in seen, what="the pick handled")
        assert select.value == 1
        assert seen["focused"] is select
        assert seen["tab"] is app.query_one("#after", Checkbox)
