"""The call stays in view on every desk screen: the call strip on the desk, the order forms and the
wrap-up; the card beside the form when there is room; the hold timer; the two-press `x`; ctrl+q asks."""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from agent_tui.i18n import Translator
from agent_tui.sync.desk_link import LinkStatus
from agent_tui.training.desk_call import TrainingCall
from agent_tui.ui.common.confirm import ConfirmScreen
from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.common.messages import LinkStatusMessage
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.call_strip import CallStrip
from agent_tui.ui.desk.customer_card import CustomerCard
from agent_tui.ui.desk.desk_footer import DeskFooter
from agent_tui.ui.desk.desk_panel import DeskPanelScreen
from agent_tui.ui.desk.form import FormScreen
from agent_tui.ui.desk.training_panel import TrainingPanel
from agent_tui.ui.desk.wrapup import WrapUpScreen
from tests.ui.doubles import FakeBackend, FakePhone, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, open_order_screen, popped, screen_text, wait_until

Setup = tuple[DeskApp, FakePhone]


def desk_with_customer(language: str = "en") -> Setup:
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}),
                                options=DeskOptions(username="agent1", language=language))
    return app, phone


def notes(app: DeskApp) -> list[str]:
    """The texts of the notifications shown now."""
    return [str(n.message) for n in app._notifications]


def strip_of(app: DeskApp) -> CallStrip:
    """The call strip of the screen on top."""
    return app.screen.query_one(CallStrip)


async def timer_runs(pilot: Pilot[Any], app: DeskApp) -> None:
    """The strip on top shows the talk time, on screen, and it moves on by itself."""
    strip = strip_of(app)
    await wait_until(pilot, lambda: strip.part("timers").startswith("Talk 0:"), what="talk timer")
    first = strip.part("timers")
    assert first in screen_text(app), "the strip is not on screen"
    assert "13800138000" in screen_text(app)
    assert "张三" in screen_text(app)
    await wait_until(pilot, lambda: strip.part("timers") != first, what="the talk timer to tick")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_strip_stays_on_the_order_form_and_the_wrapup_with_the_timer_running(
        size: tuple[int, int]) -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=size) as pilot:
        await answer_first_call(pilot, app, phone)
        await timer_runs(pilot, app)
        await open_order_screen(pilot, app, "repair")
        await timer_runs(pilot, app)
        assert "f4 Hang up" in strip_of(app).part("keys")
        assert "f5 Hold" in strip_of(app).part("keys")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, FormScreen), what="back to the desk")
        await pilot.press("f10")  # wrap-up noted during the call
        await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="the wrap-up")
        await timer_runs(pilot, app)
        await pilot.press("f4")  # the App's hang-up key works from the wrap-up, the strip follows
        await wait_until(pilot, lambda: "Call ended" in strip_of(app).part("caller"), what="ended")
        assert "f10 Wrap-up" in strip_of(app).part("keys")


async def test_hold_shows_a_hold_timer_and_resume_key() -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await open_order_screen(pilot, app, "repair")
        await pilot.press("f5")
        strip = strip_of(app)
        await wait_until(pilot, lambda: "Hold 0:0" in strip.part("timers"), what="hold timer")
        assert strip.call_look == "held"
        assert "On hold" in strip.part("caller")
        assert "f5 Resume" in strip.part("keys")
        first = strip.part("timers")
        await wait_until(pilot, lambda: strip.part("timers") != first, what="the hold timer to tick")
        await pilot.press("f5")
        await wait_until(pilot, lambda: "Hold" not in strip.part("timers"), what="resumed")


async def test_a_tick_repaints_only_the_timer() -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        strip = app.desk.query_one(CallStrip)
        await wait_until(pilot, lambda: strip.part("timers") == "Talk 0:01", what="one second")
        before = {name: strip.changes[name] for name in ("state", "caller", "timers", "keys")}
        await wait_until(pilot, lambda: strip.part("timers") == "Talk 0:02", what="two seconds")
        app.desk.tick()  # the desk publishes an equal view: nothing to repaint
        app.desk.paint_view()
        after = {name: strip.changes[name] for name in ("state", "caller", "timers", "keys")}
        assert {n for n in after if after[n] != before[n]} == {"timers"}


async def test_card_beside_the_form_at_120_columns() -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=(120, 40)) as pilot:
        await answer_first_call(pilot, app, phone)
        form = await open_order_screen(pilot, app, "repair")
        await pilot.pause()
        main = form.query_one("#form-main").region
        card = form.query_one("#form-card", CustomerCard)
        assert card.display
        assert card.region.width > 0
        assert card.region.x >= main.right, "the card is not beside the form"
        assert card.region.y == main.y, "the card and the form do not share the rows"
        assert main.width >= 60
        assert card.region.width >= 40
        assert "Last contact" in card.shown
        text = screen_text(app).splitlines()
        assert any("Fault report" in line and "张三" in line for line in text), "not side by side on screen"


async def test_card_folds_away_at_80_columns_behind_a_key() -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        form = await open_order_screen(pilot, app, "repair")
        card = form.query_one("#form-card", CustomerCard)
        assert not card.display
        assert "Last contact" not in screen_text(app)
        field = form.focused
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: "Last contact" in screen_text(app), what="the card")
        assert not form.query_one("#form-main").display
        assert strip_of(app).part("timers") in screen_text(app)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: "Last contact" not in screen_text(app), what="folded again")
        assert form.focused is field, "the field lost the focus"
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert "Customer card" in [description for _key, description in help_screen.rows]


async def test_x_once_does_not_hang_up_and_twice_does() -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press("x")
        await pilot.pause()
        assert "hangup" not in phone.names()
        assert app.desk.active_id == "c1"
        await wait_until(pilot, lambda: "Press x again to hang up." in notes(app), what="the hint")
        await pilot.press("x")
        await wait_until(pilot, lambda: "hangup" in phone.names(), what="the hang-up")


async def test_f4_hangs_up_at_once() -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press("f4")
        await wait_until(pilot, lambda: "hangup" in phone.names(), what="the hang-up")


async def test_ctrl_q_during_a_call_asks_and_no_keeps_the_call() -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await open_order_screen(pilot, app, "repair")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "A call is up" in screen_text(app)
        await pilot.press("enter")  # the focus is on "Keep working"
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen), what="back to the form")
        assert app.is_running
        assert app.desk.active_id == "c1"
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="asked again")
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, what="the exit")


async def test_ctrl_q_while_ringing_or_with_queued_writes_asks_and_idle_quits() -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.ring()
        await wait_until(pilot, lambda: popped(app), what="the pop")
        assert app.quit_risks() == ["A call is ringing."]
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: not app.quit_risks(), what="the ring to end")
        app.post_message(LinkStatusMessage(LinkStatus(online=False, queued=3)))  # as the outbox reports it
        await wait_until(pilot, lambda: app.writes_queued == 3, what="the link report")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "3 changes are not sent to the backend yet." in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), what="kept")
        app.post_message(LinkStatusMessage(LinkStatus(online=True, queued=0)))
        await wait_until(pilot, lambda: app.writes_queued == 0, what="everything sent")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running, what="the exit without asking")


async def test_the_callers_lines_stay_on_the_order_form_in_training() -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        call = TrainingCall(scenario_id="outage", attempt_id="a1", captions=["The power is off [again]."])
        app.desk.query_one(TrainingPanel).show_call(call, app.translator)
        form = await open_order_screen(pilot, app, "repair")
        panel = form.query_one("#form-training", TrainingPanel)
        await wait_until(pilot, lambda: "The power is off [again]." in panel.shown, what="the caption")
        assert "The power is off [again]." in screen_text(app)
        call.captions.append("And the lights flicker.")
        app.desk.query_one(TrainingPanel).show_call(call, app.translator)
        await wait_until(pilot, lambda: "And the lights flicker." in screen_text(app), what="a new line")
        app.desk.query_one(TrainingPanel).show_call(None, app.translator)
        await wait_until(pilot, lambda: not panel.shown, what="hidden after the call")


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("on_form", [False, True], ids=["desk", "form"])
async def test_footer_puts_call_keys_first_and_cuts_none_at_80_columns(language: str, on_form: bool) -> None:
    t = Translator(language)
    app, phone = desk_with_customer(language)
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        if on_form:
            await open_order_screen(pilot, app, "repair")
        await pilot.pause()
        footer = app.screen.query_one(DeskFooter)
        await wait_until(pilot, lambda: bool(footer.keys_shown), what="the footer")
        assert footer.keys_shown[:3] == ["desk.answer", "desk.hangup", "desk.hold"]
        if on_form:
            assert "form.next" in footer.keys_shown
            assert "form.submit" in footer.keys_shown
        last = screen_text(app).splitlines()[-1]
        assert cell_len(last.rstrip()) <= 80
        for key in footer.query(FooterKey):
            assert key.region.right <= 80, (key.description, key.region)
            assert key.description in last, (key.description, last)
        assert t.t("Hang up") in last
        assert t.t("Hold") in last


@pytest.mark.parametrize("key", ["ctrl+k", "ctrl+g", "f7", "ctrl+d"],
                         ids=["kb", "history", "transfer", "dtmf"])
async def test_every_desk_panel_keeps_the_strip_and_its_keys(key: str) -> None:
    app, phone = desk_with_customer()
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press(key)
        await wait_until(pilot, lambda: isinstance(app.screen, DeskPanelScreen), what="the panel")
        await timer_runs(pilot, app)
        assert screen_text(app).splitlines()[0].startswith(" On call 13800138000"), "the strip is not on top"
        await pilot.press("f5")  # the strip's keys work on the panel
        await wait_until(pilot, lambda: "hold" in phone.names(), what="hold from the panel")
        await wait_until(pilot, lambda: "Hold 0:0" in strip_of(app).part("timers"), what="hold timer")
