"""Issue 15, keys: F1 shows the binding ids `[ui] keymap` takes; F2's label says what it does now."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from agent_tui.domain.agent import AgentStateName
from agent_tui.i18n import Translator
from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.desk_footer import DeskFooter
from tests.ui.helpers import make_app, screen_text, state_of, wait_until


async def test_f1_shows_the_binding_id_beside_each_key() -> None:
    app, _, _, _ = make_app(options=DeskOptions(username="agent1", keymap={"desk.answer": "f12"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        lines = screen_text(app).splitlines()
        answer = next(line for line in lines if "Answer" in line and "F12" in line.upper())
        assert "desk.answer" in answer
        assert any("app.help" in line and "Help" in line for line in lines)
        assert "Id for [ui] keymap" in screen_text(app)


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_f2_label_follows_what_it_does(language: str) -> None:
    t = Translator(language)
    app, _, _, _ = make_app(options=DeskOptions(username="agent1", language=language))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        footer = app.desk.query_one(DeskFooter)

        def f2_label() -> str:
            return next(str(key.description) for key in footer.query(FooterKey) if key.key == "f2")

        assert state_of(app) is AgentStateName.NOT_READY
        await wait_until(pilot, lambda: f2_label() == t.t("Ready"), what="F2 = Ready")
        await pilot.press("f2")
        await wait_until(pilot, lambda: state_of(app) is AgentStateName.READY, what="Ready")
        await wait_until(pilot, lambda: f2_label() == t.t("Not Ready"), what="F2 = Not Ready")
        assert t.t("Not Ready") in screen_text(app).splitlines()[-1]
