"""Reports per half hour, day, week or month, by queue, team or agent, with CSV export to a file.

| key | id | action |
|---|---|---|
| f2 | reports.run | show the report |
| f3 | reports.period | half hour / day / week / month |
| f4 | reports.by | by queue / team / agent |
| f6 | reports.export | export the report as CSV |
| escape | reports.back | back to the wallboard |
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from agent_tui.domain.reports import ReportBy, ReportPeriod, ReportRow
from agent_tui.private_files import write_private
from agent_tui.ui.common.bindings import localize_bindings
from agent_tui.ui.common.context import tr
from agent_tui.ui.common.text import clean, duration
from agent_tui.ui.monitor.dates import BadDate, day_range, export_folder, parse_day
from agent_tui.ui.monitor.options import MonitorOptions
from agent_tui.ui.monitor.services import SupervisorApi

PERIOD_LABELS = {"half_hour": "per half hour", "day": "per day", "week": "per week", "month": "per month"}
PERIOD_FORMATS = {"half_hour": "%Y-%m-%d %H:%M", "day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m"}
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("start", "Period", 16), ("key", "Name", 14), ("offered", "Offered", 7), ("answered", "Answered", 8),
    ("sl", "SL", 5), ("abandon", "Aband.", 6), ("asa", "ASA", 6), ("aht", "AHT", 7),
    ("handled", "Handled", 7),
    ("hold", "Avg hold", 8), ("abandon_wait", "Ab. wait", 8), ("transfer", "Transfer", 8),
    ("occupancy", "Occ.", 5), ("utilisation", "Util.", 5), ("qa", "QA", 5),
    ("satisfaction", "Sat.", 9),
)
"""(column key, heading, width) of the report table; it scrolls sideways on a narrow terminal."""
BY_LABELS = {"queue": "by queue", "team": "by team", "agent": "by agent"}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _secs(value: float | None) -> str:
    return "-" if value is None else duration(value)


class ReportsScreen(Screen[None]):
    """Figures over time."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "run", "Show", id="reports.run"),
        Binding("f3", "period", "Period", id="reports.period"),
        Binding("f4", "by", "Queue / team / agent", id="reports.by"),
        Binding("f6", "export", "Export CSV", id="reports.export"),
        Binding("escape", "back", "Back", id="reports.back"),
    ]
    DEFAULT_CSS = """
    ReportsScreen #rep-title { text-style: bold reverse; padding: 0 1; }
    ReportsScreen #rep-form { height: auto; }
    ReportsScreen #rep-form Input { width: 1fr; }
    ReportsScreen #rep-table { height: 1fr; }
    ReportsScreen #rep-status { height: auto; }
    """

    def __init__(self, api: SupervisorApi, options: MonitorOptions) -> None:
        super().__init__(id="reports")
        self.api = api
        self.options = options
        self.t = tr(self)
        self.period = ReportPeriod.HALF_HOUR
        self.by = ReportBy.QUEUE
        self.rows: list[ReportRow] = []
        self.exported: Path | None = None
        single = bool(getattr(getattr(self.app, "options", None), "single_key_shortcuts", True))
        localize_bindings(self, self.t, single_keys=single)

    def compose(self) -> ComposeResult:
        t = self.t.t
        yield Static("", id="rep-title", markup=False)
        with Horizontal(id="rep-form"):
            yield Input(placeholder=t("From (YYYY-MM-DD)"), id="rep-from", max_length=10)
            yield Input(placeholder=t("To (YYYY-MM-DD)"), id="rep-to", max_length=10)
        yield DataTable(id="rep-table", cursor_type="row")
        yield Static(t("f2 shows · f3 period · f4 queue/team/agent · f6 exports CSV"), id="rep-status",
                     markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Columns; today's report straight away."""
        t = self.t.t
        table = self.query_one("#rep-table", DataTable)
        for key, label, width in COLUMNS:
            table.add_column(t(label), key=key, width=width)
        self._show_title()
        self.action_run()

    def _show_title(self) -> None:
        t = self.t.t
        self.query_one("#rep-title", Static).update(
            f"{t('Reports')} · {t(PERIOD_LABELS[self.period.value])} · {t(BY_LABELS[self.by.value])}")

    def _status(self, text: str) -> None:
        self.query_one("#rep-status", Static).update(text)

    def _range(self) -> tuple[datetime, datetime] | None:
        try:
            first = parse_day(self.query_one("#rep-from", Input).value)
            last = parse_day(self.query_one("#rep-to", Input).value)
        except BadDate as error:
            self._status(self.t.t("Not a date (YYYY-MM-DD): {value}", value=clean(str(error), 20)))
            return None
        return day_range(first, last)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        """Enter shows the report."""
        self.action_run()

    def _spawn(self, work: object, what: str) -> None:
        spawn = getattr(self.app, "spawn", None)
        if spawn is not None:
            spawn(self, work, what)

    def action_run(self) -> None:
        """Load and show the report."""
        span = self._range()
        if span is None:
            return
        start, end = span
        period, by = self.period, self.by

        async def work() -> None:
            report = await self.api.report(period, by, start, end)
            self.show(report.rows)

        self._spawn(work, "loading a report")

    def show(self, rows: list[ReportRow]) -> None:
        """Fill the table."""
        self.rows = rows
        table = self.query_one("#rep-table", DataTable)
        table.clear()
        fmt = PERIOD_FORMATS[self.period.value]
        for row in rows:
            table.add_row(*(Text(cell) for cell in (
                row.period_start.astimezone().strftime(fmt), clean(row.key, 40), str(row.offered),
                str(row.answered), _pct(row.service_level), _pct(row.abandon_rate), _secs(row.asa_s),
                _secs(row.aht_s), str(row.handled), _secs(row.avg_hold_s), _secs(row.avg_abandon_s),
                _pct(row.transfer_rate), _pct(row.occupancy), _pct(row.utilisation),
                "-" if row.qa_avg is None else f"{row.qa_avg:.0f}",
                # The callers' keypad average and how many scored (满意度评价).
                "-" if row.satisfaction_avg is None
                else f"{row.satisfaction_avg:.1f} ({row.satisfaction_count})")))
        self._status(self.t.t("{count} rows", count=len(rows)))

    def action_period(self) -> None:
        """The next period: half hour, day, week, month."""
        order = list(ReportPeriod)
        self.period = order[(order.index(self.period) + 1) % len(order)]
        self._show_title()
        self.action_run()

    def action_by(self) -> None:
        """Queue, team or agent."""
        order = list(ReportBy)
        self.by = order[(order.index(self.by) + 1) % len(order)]
        self._show_title()
        self.action_run()

    def action_export(self) -> None:
        """Write the report as CSV into the export folder."""
        span = self._range()
        if span is None:
            return
        start, end = span
        period, by = self.period, self.by

        async def work() -> None:
            text = await self.api.report_csv(period, by, start, end)
            stamp = start.strftime("%Y%m%d")
            path = export_folder(self.options.export_dir) / f"report-{by.value}-{period.value}-{stamp}.csv"
            partial = path.with_name(path.name + ".part")
            write_private(partial, text)
            partial.replace(path)
            self.exported = path
            self._status(self.t.t("Exported to {path}", path=str(path)))

        self._spawn(work, "exporting a report")

    def action_back(self) -> None:
        """Back to the wallboard."""
        self.dismiss(None)
