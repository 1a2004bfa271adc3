"""Screens rendered at 80x24 and 120x40, in the dark and monochrome themes, in English and Chinese:
the key labels, the customer's name and the status cells must all be on screen (nothing pushed off)."""

from __future__ import annotations

from datetime import datetime

import pytest
from rich.cells import cell_len

from agent_tui.i18n import Translator
from agent_tui.ui.common.options import DeskOptions
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import make_app, open_order_screen, popped, screen_text, wait_until

SIZES = [(80, 24), (120, 40)]
THEMES = ["dark", "monochrome"]
LANGUAGES = ["en", "zh"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("language", LANGUAGES)
async def test_desk_with_a_popped_call(size: tuple[int, int], theme: str, language: str) -> None:
    t = Translator(language)
    c = customer()
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(c)]}),
                                options=DeskOptions(username="agent1", language=language))
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        app.theme = theme
        phone.ring(headers={"X-Queue": "repair"})
        await wait_until(pilot, lambda: popped(app))
        await pilot.pause()
        text = screen_text(app)
        lines = text.splitlines()
        assert len(lines) == size[1]
        assert all(cell_len(line) <= size[0] for line in lines)
        status = lines[0]
        assert datetime.now().strftime("%H:") in status, "the clock cell was pushed off the status bar"
        assert t.t("Online") in status
        assert t.t("SIP …") in status or t.t("SIP ok") in status
        assert t.t("Ringing") in lines[1]
        assert "张三" in text
        assert t.t("Last contact") in text
        footer = lines[-1]
        for label in ("Answer", "Hang up", "Help"):
            assert t.t(label) in footer, (label, footer)
        svg = app.export_screenshot()
        assert "張三" in svg or "张三" in svg


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
async def test_repair_form_first_step(size: tuple[int, int], language: str) -> None:
    t = Translator(language)
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}),
                                options=DeskOptions(username="agent1", language=language))
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        app.theme = "monochrome"
        phone.ring()
        await wait_until(pilot, lambda: popped(app))
        form = await open_order_screen(pilot, app, "repair")
        await pilot.press("ctrl+right")
        await pilot.pause()
        text = screen_text(app)
        assert t.pick({"en": "Fault type", "zh": "故障类型"}) in text
        assert t.t("Next") in text.splitlines()[-1]
        error = form.run.error("fault_type") or form.run.step_errors()["fault_type"]
        assert error.render(t.t) in text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_idle_desk_at_80x24(language: str) -> None:
    t = Translator(language)
    app, _, _, _ = make_app(options=DeskOptions(username="agent1", language=language))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        text = screen_text(app)
        assert t.t("Waiting for calls.") in text
        assert t.t("Not Ready") in text.splitlines()[0]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("language", LANGUAGES)
async def test_order_form_keeps_the_call_strip(size: tuple[int, int], theme: str, language: str) -> None:
    """The order form during a call: the call strip on the first row (state, caller, talk timer, call
    keys), the card beside the form from 100 columns on and folded away below, nothing off screen."""
    t = Translator(language)
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}),
                                options=DeskOptions(username="agent1", language=language))
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        app.theme = theme
        phone.ring()
        await wait_until(pilot, lambda: popped(app))
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.desk.active_id == "c1")
        await open_order_screen(pilot, app, "repair")
        await pilot.pause()
        text = screen_text(app)
        lines = text.splitlines()
        assert len(lines) == size[1]
        assert all(cell_len(line) <= size[0] for line in lines)
        strip = lines[0]
        talk = t.t("Talk {time}", time="0:0")
        for part in (t.t("On call"), "13800138000", talk, t.t("Hang up"), t.t("Hold")):
            assert part in strip, (part, strip)
        title = t.pick({"en": "Fault report", "zh": "故障报修"})
        beside = any(title in line and "张三" in line for line in lines)
        assert beside == (size[0] >= 100), text
        assert (t.t("Last contact") in text) == (size[0] >= 100)
        footer = lines[-1]
        for label in ("Answer", "Hang up", "Hold", "Next"):
            assert t.t(label) in footer, (label, footer)
