"""Themes load from data and fall back to monochrome; an idle desk changes nothing but its clock."""

from __future__ import annotations

from pathlib import Path

from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.themes import choose_theme, load_themes
from agent_tui.ui.desk.call_strip import CallStrip
from agent_tui.ui.desk.status_bar import CELLS, StatusBar
from tests.ui.helpers import make_app, wait_until

KNOWN = {"dark", "light", "high-contrast", "monochrome"}


def test_shipped_themes_load_with_our_variables() -> None:
    themes, problems = load_themes()
    assert problems == []
    assert {t.name for t in themes} == KNOWN
    for theme in themes:
        for variable in ("call-ringing", "agent-ready", "agent-not-ready", "sla-breach", "field-error"):
            assert variable in theme.variables, (theme.name, variable)


def test_broken_theme_file_is_reported_and_others_load(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text('name = "good"\nprimary = "#112233"\n', encoding="utf-8")
    (tmp_path / "bad.toml").write_text('name = "bad"\nprimary = \n', encoding="utf-8")
    themes, problems = load_themes(tmp_path)
    assert [t.name for t in themes] == ["good"]
    assert problems[0].path.name == "bad.toml"
    assert "line 2" in problems[0].message


def test_monochrome_under_no_color_and_16_colours() -> None:
    assert choose_theme("light", no_color=False, colour_system="truecolor", known=KNOWN) == "light"
    assert choose_theme("light", no_color=True, colour_system="truecolor", known=KNOWN) == "monochrome"
    assert choose_theme("dark", no_color=False, colour_system="standard", known=KNOWN) == "monochrome"
    assert choose_theme("nope", no_color=False, colour_system="256", known=KNOWN) == "dark"


async def test_idle_desk_repaints_only_the_clock() -> None:
    app, _, _, _ = make_app(options=DeskOptions(username="agent1", clock="seconds"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.pause()
        bar = app.desk.query_one(StatusBar)
        app.desk.tick()
        before = {name: bar.cell(name).repaints for name in CELLS}
        line_before = app.desk.query_one(CallStrip).shown
        for _ in range(3):
            app.desk.tick()
        after = {name: bar.cell(name).repaints for name in CELLS}
        changed = {name for name in CELLS if after[name] != before[name]}
        assert changed <= {"clock"}
        assert app.desk.query_one(CallStrip).shown == line_before
