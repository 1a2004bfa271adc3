"""The desk's own figures for today start from what the backend counted (a restart mid-shift keeps the
day), and the calls taken after login are added to them."""

from __future__ import annotations

from agent_tui.domain.supervision import AgentDayFigures, AgentFigures
from agent_tui.sync.errors import BackendUnavailable
from agent_tui.ui.common.options import DeskOptions
from tests.ui.doubles import FakeBackend
from tests.ui.helpers import make_app, screen_text, wait_until


async def test_todays_figures_come_from_the_backend_at_login() -> None:
    backend = FakeBackend()
    # Four calls already handled today: 600 s talk + 100 s hold + 100 s ACW = 200 s AHT; 3 of 4 resolved.
    backend.figures_today = AgentFigures(calls_handled=4, talk_s=600, hold_s=100, acw_s=100, resolved=3,
                                         judged=4)
    app, _phone, _backend, _writes = make_app(backend, options=DeskOptions(username="agent1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.stats.calls == 4, what="today's figures seeded")
        assert app.desk.stats.aht_s == 200.0
        assert app.desk.stats.fcr == 0.75
        await wait_until(pilot, lambda: "Calls 4 AHT 3:20 FCR 75%" in screen_text(app), what="shown")


class NoFigures(FakeBackend):
    """A backend that logs in but cannot give the figures (an older server, or a failure)."""

    async def get_agent_figures(self, username: str) -> AgentDayFigures:
        raise BackendUnavailable("figures unavailable")


async def test_a_backend_without_figures_leaves_the_desk_counting_from_zero() -> None:
    backend = NoFigures()
    app, _phone, _backend, _writes = make_app(backend, options=DeskOptions(username="agent1"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="logged in")
        assert app.desk.stats.calls == 0
