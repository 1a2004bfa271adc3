"""A second caller ringing while the agent types an order at 80x24 (QA, issue 11): the call strip is
the only thing that shows it once the "Call waiting" notification has gone, and at 80 columns the
caller's name pushed the waiting call off the row. The waiting call keeps its place; the name gives way.
"""

from __future__ import annotations

import pytest

from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.call_strip import CallStrip
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, open_order_screen, screen_text, wait_until

LONG_NAME = "欧阳" + "W" * 60
"""A caller whose name alone is wider than what the row has left."""


@pytest.mark.parametrize("hold", [False, True], ids=["talking", "held"])
async def test_a_waiting_call_stays_on_the_strip_over_the_order_form_at_80_columns(hold: bool) -> None:
    backend = FakeBackend({"13800138000": [full_match(customer(name=LONG_NAME))]})
    app, phone, _, _ = make_app(backend, options=DeskOptions(username="agent1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone, deadline_s=10)
        if hold:
            await pilot.press("f5")
        await open_order_screen(pilot, app, "repair")
        phone.ring("c2", "13912345678")
        strip = app.screen.query_one(CallStrip)
        await wait_until(pilot, lambda: "13912345678" in strip.part("waiting"), what="the waiting call")
        app.clear_notifications()
        await wait_until(pilot, lambda: "13912345678" in screen_text(app).splitlines()[0],
                         what="the waiting call on the strip's row")
        row = screen_text(app).splitlines()[0]
        assert "☎ " in row
        assert "f4 Hang up" in row  # the keys keep their place too
        assert "☎ 13912345678" in row
        if not hold:  # the number of the call in progress keeps its place too (the name gives way)
            assert "13800138000" in row
