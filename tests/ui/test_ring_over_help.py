"""A ringing call stays in view and in reach over F1 help and the command palette (issue 11 QA,
session 5): at 120x40 the key list filled the whole screen, status bar included, so a caller rang
unseen; F3 did nothing from the key list or the palette."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.common.reason import ReasonScreen
from agent_tui.ui.desk.call_strip import CallStrip
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import make_app, popped, screen_text, wait_until


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_a_caller_ringing_while_help_is_open_shows_on_top_and_f3_answers(size: tuple[int, int]) -> None:
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}))
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        phone.ring()
        await wait_until(pilot, lambda: popped(app), what="the pop")
        assert isinstance(app.screen, HelpScreen), "help closed by itself: nothing to prove"
        await wait_until(pilot, lambda: screen_text(app).splitlines()[0].startswith(" Ringing"),
                         what="the ringing call on the help's first row")
        assert "13800138000" in app.screen.query_one(CallStrip).part("caller")
        await pilot.press("f3")
        await wait_until(pilot, lambda: "answer" in phone.names(), what="F3 answering from the help")


async def test_f3_answers_a_caller_ringing_while_the_command_palette_is_open() -> None:
    """The palette leaves the strip in view ("f3 Answer") but took F3 and did nothing with it."""
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        phone.ring()
        await wait_until(pilot, lambda: popped(app), what="the pop")
        assert "f3 Answer" in screen_text(app)
        await pilot.press("f3")
        await wait_until(pilot, lambda: "answer" in phone.names(), what="F3 answering from the palette")


async def test_a_caller_ringing_while_the_not_ready_reason_is_asked_shows_and_f3_answers() -> None:
    """F2 (Not Ready: why?) pressed as a call comes in: the reason list covered the ring."""
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.desk.status.state == "ready", what="Ready")
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen), what="the reason list")
        phone.ring()
        await wait_until(pilot, lambda: popped(app), what="the pop")
        await wait_until(pilot, lambda: screen_text(app).splitlines()[0].startswith(" Ringing"),
                         what="the ringing call on the reason list's first row")
        await pilot.press("f3")
        await wait_until(pilot, lambda: "answer" in phone.names(), what="F3 answering from the reason list")
