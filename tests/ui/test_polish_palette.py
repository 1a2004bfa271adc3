"""Issue 15, the palette: Textual's own strings in the UI language, and commands found by alias."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import OptionList

from agent_tui.i18n import Translator
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.palette import search_words, translate_system_commands
from tests.ui.helpers import make_app, screen_text, wait_until


def test_system_commands_are_translated() -> None:
    from textual.app import SystemCommand

    zh = Translator("zh")
    commands = [SystemCommand("Quit", "Quit the application as soon as possible", lambda: None),
                SystemCommand("Screenshot", "Save an SVG 'screenshot' of the current screen", lambda: None)]
    titles = [c.title for c in translate_system_commands(commands, zh)]
    assert titles == [zh.t("Quit"), zh.t("Screenshot")]
    assert "Screenshot" not in titles


def test_not_ready_words_lead_to_the_ready_key() -> None:
    zh = Translator("zh")
    words = search_words(zh, "desk.ready")
    assert "Not Ready" in words
    assert "示忙" in words
    assert search_words(zh, "no.such.binding") == []


@pytest.mark.parametrize(("language", "query"), [("zh", "示忙"), ("en", "not ready")])
async def test_palette_speaks_the_ui_language_and_finds_not_ready(language: str, query: str) -> None:
    t = Translator(language)
    app, _, _, _ = make_app(options=DeskOptions(username="agent1", language=language))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Theme", "Quit", "Keys", "Screenshot"):
            assert t.t(title) in titles
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        assert t.t("Search for commands…") in screen_text(app)
        await pilot.press(*query)

        def found() -> bool:
            options = app.screen.query_one(OptionList)
            return any(t.t("Ready") in str(options.get_option_at_index(i).prompt)
                       for i in range(options.option_count))

        await wait_until(pilot, found, what="the Ready command in the hits")
        if language == "zh":
            assert "Search for commands" not in screen_text(app)


async def test_monitor_palette_and_footer_speak_chinese() -> None:
    """The wallboard shares the base App: its palette and Textual's own commands are Chinese too."""
    from tests.monitor.doubles import make_monitor

    zh = Translator("zh")
    app, _api, _phone, feeds = make_monitor(language="zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the wallboard")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert zh.t("Screenshot") in titles
        assert "Screenshot" not in titles
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        assert zh.t("Search for commands…") in screen_text(app)
