"""Focus after a failed check, and the confirm dialog before typed work is discarded (Pilot).

Pilot waits between keys, so these tests prove where the focus goes and what the dialog answers; the
same behaviour typed in one burst is proven in tmux by tests/e2e/test_*_keys_in_bursts.py.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from agent_tui.ui.common.base_app import AgentTuiApp
from agent_tui.ui.common.confirm import ConfirmScreen
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.form import FormScreen
from agent_tui.ui.desk.wrapup import WrapUpScreen
from tests.ui.helpers import answer_first_call, make_app, open_order_screen, screen_text, wait_until


class Host(AgentTuiApp):
    """A bare App that asks one question and keeps the answers."""

    def __init__(self, language: str = "en") -> None:
        super().__init__(DeskOptions(username="agent1", language=language))
        self.answers: list[bool | None] = []

    def compose(self) -> ComposeResult:
        yield Static("host")

    def ask(self) -> None:
        """Push the dialog; its answer goes to `answers`."""
        t = self.translator.t
        question = t("Close the wrap-up without saving? What you typed stays: F10 reopens it.")
        self.push_screen(ConfirmScreen(question, yes=t("Close (y)"), no=t("Keep editing (n)")),
                         self.answers.append)


async def test_confirm_answers_by_keys_and_enter_keeps_by_default() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        for keys, expected in ((["y"], True), (["n"], False), (["escape"], False), (["enter"], False),
                               (["right", "enter"], True), (["tab", "enter"], True)):
            before = len(app.answers)
            app.ask()
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the dialog")
            await pilot.press(*keys)
            count = before + 1
            await wait_until(pilot, lambda: len(app.answers) >= count, what="the answer")  # noqa: B023
            assert not isinstance(app.screen, ConfirmScreen)
            assert app.answers == [*app.answers[:before], expected], keys


async def test_confirm_in_chinese_fits_80x24() -> None:
    app = Host("zh")
    async with app.run_test(size=(80, 24)) as pilot:
        app.ask()
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the dialog")
        await pilot.pause()
        text = screen_text(app)
        assert "不保存就关闭话后小结吗" in text
        assert "关闭 (y)" in text
        assert "继续编辑 (n)" in text


async def test_wrapup_focus_on_failure_and_escape_asks_only_when_filled() -> None:
    app, phone, _, writes = make_app(options=DeskOptions(username="agent1", acw_mode="mandatory"))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="the wrap-up")
        # Untouched: Escape closes at once.
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.desk, what="the desk")
        await pilot.press("f10")
        await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="the wrap-up again")
        wrapup = app.screen
        assert isinstance(wrapup, WrapUpScreen)
        # The transfer reason typed, ctrl+s with no disposition: the focus jumps to the disposition.
        await pilot.press("tab", "tab", *"moved")
        assert app.focused is not None
        assert app.focused.id == "wrapup-transfer"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Choose a disposition." in screen_text(app), what="the error")
        assert app.focused is not None
        assert app.focused.id == "wrapup-disposition"
        # Filled: Escape asks; n keeps it, y discards.
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is wrapup, what="the wrap-up kept")
        assert "moved" in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: app.screen is app.desk, what="the wrap-up discarded")
        assert all(record.transfer_reason != "moved" for record in writes.calls)


async def test_a_step_that_cannot_be_left_focuses_its_failing_field() -> None:
    app, phone, _, _ = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await answer_first_call(pilot, app, phone)
        form = await open_order_screen(pilot, app, "repair")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*["down"] * 6, "enter")
        await wait_until(pilot, lambda: form.run.value("fault_type") == "other", what="fault type")
        await pilot.press("ctrl+right")
        await wait_until(pilot, lambda: form.run.step.id == "location", what="location step")
        if form.run.value("address") is None:
            await pilot.click("#field-address")
            await pilot.press(*"1 Test Road")
        await pilot.press("ctrl+right")
        await wait_until(pilot, lambda: form.run.step.id == "contact", what="contact step")
        await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "field-contact_name",
                         what="the first field focused")
        await pilot.press(*"Li")  # the name; the description (required) stays empty
        await wait_until(pilot, lambda: form.run.value("contact_name") == "Li", what="the name")
        failing = [f.id for f in form.run.step.fields if f.id in form.run.step_errors()]
        assert "description" in failing
        assert "contact_name" not in failing
        await pilot.press("pagedown")
        await pilot.pause()
        assert form.run.step.id == "contact"
        assert app.focused is not None
        assert app.focused.id == f"field-{failing[0]}"
        assert isinstance(app.screen, FormScreen)
