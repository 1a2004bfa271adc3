"""The supervisor's report table shows the callers' keypad satisfaction: average (count)."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from agent_tui.domain.base import utc_now
from agent_tui.domain.supervision import AgentFigures, AgentRow, ReportRow
from agent_tui.i18n import Translator
from agent_tui.ui.monitor.cells import floor_line
from agent_tui.ui.monitor.model import floor_figures
from agent_tui.ui.monitor.reports import ReportsScreen
from tests.monitor.doubles import FakeApi, make_monitor, snapshot
from tests.ui.helpers import wait_until


async def test_the_report_table_shows_satisfaction_average_and_count() -> None:
    app, _api, _phone, feeds = make_monitor(api=FakeApi())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        feeds[0].sink.snapshot(snapshot(agents=3))
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportsScreen), what="reports")
        screen: Any = app.screen
        await wait_until(pilot, lambda: len(screen.rows) == 2, what="rows")
        now = utc_now()
        screen.show([ReportRow(period_start=now, key="agent01", satisfaction_count=3, satisfaction_avg=4.333),
                     ReportRow(period_start=now, key="agent02")])
        table = screen.query_one("#rep-table", DataTable)
        assert str(table.get_cell_at((0, len(table.columns) - 1))) == "4.3 (3)"
        assert str(table.get_cell_at((1, len(table.columns) - 1))) == "-"


def test_the_wallboards_floor_line_adds_the_callers_average_once_someone_scored() -> None:
    def row(name: str, today: AgentFigures) -> AgentRow:
        return AgentRow(username=name, display_name=name, state="ready", since=utc_now(), time_in_state_s=0,
                        today=today)

    rows = [row("a1", AgentFigures(satisfaction_count=3, satisfaction_avg=5.0)),
            row("a2", AgentFigures(satisfaction_count=1, satisfaction_avg=1.0)), row("a3", AgentFigures())]
    floor = floor_figures(rows, [], today=True)
    assert floor.satisfaction_avg == 4.0  # (3 × 5 + 1 × 1) ÷ 4 calls, not the average of averages
    assert floor_line(Translator("en"), floor).endswith(" · Sat 4.0")
    assert floor_line(Translator("zh"), floor).endswith(" · 满意度 4.0")
    unscored = floor_figures([rows[2]], [], today=True)
    assert unscored.satisfaction_avg is None
    assert "Sat" not in floor_line(Translator("en"), unscored)
