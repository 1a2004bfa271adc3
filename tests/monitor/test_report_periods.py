"""The reports screen: f3 walks half hour → day → week → month, and the rows show the KPIs the backend
now computes (average hold, abandon wait, transfer rate, occupancy, utilisation)."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import DataTable

from agent_tui.domain.reports import Report, ReportBy, ReportPeriod, ReportRow
from agent_tui.ui.monitor.reports import ReportsScreen
from tests.monitor.doubles import FakeApi, make_monitor, snapshot
from tests.ui.helpers import screen_text, wait_until


class KpiApi(FakeApi):
    """Answers one row with every KPI filled."""

    async def report(self, period: ReportPeriod, by: ReportBy, start: datetime, end: datetime) -> Report:
        self.report_calls.append((period, by, start, end))
        row = ReportRow(period_start=start, key="agent0001", offered=4, answered=4, handled=4, aht_s=200.0,
                        avg_hold_s=15.0, avg_abandon_s=45.0, transfer_rate=0.25, occupancy=0.62,
                        utilisation=0.41)
        return Report(period=period, by=by, start=start, end=end, rows=[row])


async def test_periods_and_kpi_columns() -> None:
    api = KpiApi()
    app, _api, _phone, feeds = make_monitor(api=api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        feeds[0].sink.snapshot(snapshot(agents=3))
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportsScreen), what="reports")
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        await wait_until(pilot, lambda: len(screen.rows) == 1, what="rows")
        seen = [api.report_calls[-1][0]]
        for asked in range(len(api.report_calls) + 1, len(api.report_calls) + 5):
            await pilot.press("f3")
            await wait_until(pilot, lambda: len(api.report_calls) >= asked,  # noqa: B023 - awaited here
                             what="the next period")
            seen.append(api.report_calls[-1][0])
        assert seen == [ReportPeriod.HALF_HOUR, ReportPeriod.DAY, ReportPeriod.WEEK, ReportPeriod.MONTH,
                        ReportPeriod.HALF_HOUR]
        table = screen.query_one("#rep-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1, what="the row")
        cells = [str(cell) for cell in table.get_row_at(0)]
        for shown in ("0:15", "0:45", "25%", "62%", "41%"):
            assert shown in cells, shown
        assert "per half hour" in screen_text(app)
        assert all(len(line) <= 80 for line in screen_text(app).splitlines())
