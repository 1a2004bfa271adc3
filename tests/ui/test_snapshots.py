"""Screens rendered at 80x24 and 120x40, in the dark and monochrome themes, in English and Chinese:
the key labels, the customer's name and the status cells must all be on screen (nothing pushed off)."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import SecretStr
from rich.cells import cell_len
from textual.geometry import Region
from textual.widgets._footer import FooterKey

from agent_tui.i18n import Translator
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.desk_footer import DeskFooter
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import make_app, open_order_screen, popped, screen_text, wait_until
from tests.ui.tour import STOPS, desk_tour, login_stop, tour_app

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


# ---- every desk screen, at three sizes, in both languages (issue 15) ------------------------------

TOUR_CASES = [
    ((80, 24), "en", "dark"), ((80, 24), "zh", "monochrome"),
    ((100, 30), "en", "monochrome"), ((100, 30), "zh", "dark"),
    ((120, 40), "en", "dark"), ((120, 40), "zh", "monochrome"),
]
"""Each size in both languages, each language in both themes: one walk through the desk per case."""


def stop_texts(t: Translator, stop: str) -> list[str]:
    """What must be on screen, whole, at each stop of the tour."""
    return {
        "login": [t.t("Log in"), t.t("Password")],
        "idle": [t.t("Waiting for calls.")],
        "help": ["desk.answer", t.t("Answer")],
        "palette": [t.t("Search for commands…")],
        "ringing": [t.t("Ringing"), "张三", t.t("Last contact")],
        "on-call": [t.t("On call"), "13800138000"],
        "kb": [f"[{t.t('Tariff')}]"],
        "order-form": [t.pick({"en": "Fault report", "zh": "故障报修"})],
        "drafts": [t.t("Resume draft: {title}", title=t.pick({"en": "Fault report", "zh": "故障报修"}))],
        "callbacks": ["13900001111", "李四"],
        "wrap-up": [t.t("Notes"), t.t("Save (ctrl+s)")],
        "history": ["13800138000", t.t("Calls this session")],
    }[stop]


def check_screen(app: DeskApp, t: Translator, stop: str, size: tuple[int, int]) -> None:
    """Nothing off screen: every row within the width, the stop's texts whole, a panel inside the
    screen with its title, and every key the footer chose shown whole on the last row."""
    text = screen_text(app)
    lines = text.splitlines()
    assert len(lines) == size[1], (stop, text)
    assert all(cell_len(line) <= size[0] for line in lines), (stop, text)
    for expected in stop_texts(t, stop):
        assert expected in text, (stop, expected, text)
    screen = app.screen
    for box in screen.query(".panel"):
        assert Region(0, 0, *size).contains_region(box.region), (stop, box.region)
        for title in box.query(".panel-title"):
            assert str(title.render()).strip() in text, (stop, text)
    footers = screen.query(DeskFooter)
    if footers:
        footer = footers.first()
        assert footer.keys_shown, (stop, "an empty footer")
        for key in footer.query(FooterKey):
            assert f"{key.key_display} {key.description}" in lines[-1], (stop, key.description, lines[-1])


@pytest.mark.parametrize(("size", "language", "theme"), TOUR_CASES,
                         ids=[f"{s[0]}x{s[1]}-{lang}-{th}" for s, lang, th in TOUR_CASES])
async def test_every_desk_screen_fits(size: tuple[int, int], language: str, theme: str) -> None:
    t = Translator(language)
    visited: list[str] = []
    app, phone = tour_app(language, logged_in=False)
    async with app.run_test(size=size) as pilot:
        app.theme = theme

        async def visit(stop: str) -> None:
            check_screen(app, t, stop, size)
            visited.append(stop)

        await login_stop(pilot, app, visit)
        app.pop_screen()
        app.push_screen("desk")
        app.spawn(app.desk, lambda: app.log_in("agent1", SecretStr("secret")), "logging in")
        await desk_tour(pilot, app, phone, visit)
    assert tuple(visited) == STOPS
