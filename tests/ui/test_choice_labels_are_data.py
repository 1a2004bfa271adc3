"""A choice label from the backend's screen definitions is data, never markup (QA, issue 11).

The order form's lists took their labels as Textual markup: a label holding `[/]` raised MarkupError while
the list was measured (a crash report from a QA run: `OptionList.get_content_height`); the desk stopped.
"""

from __future__ import annotations

from agent_tui.domain.screen import ScreenDefinition
from agent_tui.ui.common.burst_select import BurstSelect
from tests.ui.doubles import FakeBackend, LocalScreens, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, open_order_screen, screen_text, wait_until

HOSTILE = "[/]Volt[b]age[/b]"


class HostileScreens(LocalScreens):
    """The bundled screens, the repair screen's first fault type relabelled with markup-like text."""

    async def load(self) -> tuple[list[ScreenDefinition], list[str]]:
        screens, errors = await super().load()
        for screen in screens:
            for step in screen.steps:
                for field_def in step.fields:
                    if field_def.id == "fault_type":
                        field_def.choices[0].label = HOSTILE
        return screens, errors


async def test_a_choice_label_with_markup_is_shown_as_typed_and_the_desk_keeps_running() -> None:
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}))
    app.services.screens = HostileScreens()
    async with app.run_test(size=(100, 30)) as pilot:
        await answer_first_call(pilot, app, phone, deadline_s=10)
        form = await open_order_screen(pilot, app, "repair")
        fault = form.query_one(BurstSelect)
        fault.focus()
        await pilot.press("enter")  # the list opens: its options are measured and drawn
        await wait_until(pilot, lambda: HOSTILE in screen_text(app), what="the label as typed")
        assert app.is_running
