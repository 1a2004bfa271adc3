"""QA form totals and limits, report CSV export to a file, recording search and export."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from agent_tui.domain.base import utc_now
from agent_tui.domain.recordings import QA_ITEMS, Recording
from agent_tui.domain.supervision import ReportBy, ReportPeriod
from agent_tui.ui.monitor.options import MonitorOptions
from agent_tui.ui.monitor.qa import QaScreen, qa_total
from agent_tui.ui.monitor.recordings import RecordingsScreen
from agent_tui.ui.monitor.reports import ReportsScreen
from tests.monitor.doubles import FakeApi, make_monitor, snapshot
from tests.ui.helpers import wait_until


async def _started(pilot: Any, feeds: list[Any]) -> None:
    await wait_until(pilot, lambda: feeds, what="the feed")
    feeds[0].sink.snapshot(snapshot(agents=3))


def test_qa_items_add_up_to_100() -> None:
    assert sum(QA_ITEMS.values()) == 100
    assert qa_total(dict(QA_ITEMS)) == 100
    assert qa_total({"voice": 50}) == 10  # capped at the item's maximum


async def test_qa_form_totals_and_saves(tmp_path: Path) -> None:
    api = FakeApi()
    app, _api, _phone, feeds = make_monitor(api=api)
    async with app.run_test(size=(100, 40)) as pilot:
        await _started(pilot, feeds)
        screen = QaScreen(api, "call-9")
        await app.push_screen(screen)
        await pilot.pause()
        values = {"voice": 8, "manner": 12, "speed": 9, "service_skill": 17, "business_knowledge": 15,
                  "customer_satisfaction": 13, "call_length": 7}
        for name, value in values.items():
            screen.query_one(f"#qa-{name}", Input).value = str(value)
        await pilot.pause()
        assert "Total: 81 / 100" in str(screen.query_one("#qa-total", Static).render())
        # Too many points on one item: shown, and nothing is saved.
        screen.query_one("#qa-voice", Input).value = "11"
        await pilot.pause()
        assert "Too many points: Voice" in str(screen.query_one("#qa-error", Static).render())
        screen.action_save()
        await pilot.pause()
        assert api.qa == {}
        screen.query_one("#qa-voice", Input).value = "8"
        screen.query_one("#qa-comment", Input).value = "Good read-back"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "call-9" in api.qa, what="saved")
        stored = api.qa["call-9"]
        assert stored.total_points == 81
        assert stored.service_skill == 17
        assert stored.comment == "Good read-back"
        await wait_until(pilot, lambda: not isinstance(app.screen, QaScreen), what="closed")
        # Opening it again shows the stored points.
        again = QaScreen(api, "call-9")
        await app.push_screen(again)
        await wait_until(pilot, lambda: again.query_one("#qa-manner", Input).value == "12", what="loaded")
        assert "81" in str(again.query_one("#qa-total", Static).render())


async def test_report_csv_export_writes_a_file(tmp_path: Path) -> None:
    api = FakeApi()
    app, _api, _phone, feeds = make_monitor(api=api, options=MonitorOptions(export_dir=tmp_path / "out"))
    async with app.run_test(size=(100, 30)) as pilot:
        await _started(pilot, feeds)
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportsScreen), what="reports")
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        await wait_until(pilot, lambda: len(screen.rows) == 2, what="rows")
        period, by, start, end = api.report_calls[0]
        assert (period, by) == (ReportPeriod.HALF_HOUR, ReportBy.QUEUE)
        assert end - start == timedelta(days=1)
        await pilot.press("f4")  # by team
        await wait_until(pilot, lambda: api.report_calls[-1][1] == ReportBy.TEAM, what="by team")
        screen.query_one("#rep-from", Input).value = "2026-03-01"
        screen.query_one("#rep-to", Input).value = "2026-03-02"
        await pilot.press("f6")
        await wait_until(pilot, lambda: screen.exported is not None, what="export")
        assert screen.exported is not None
        assert screen.exported.parent == tmp_path / "out"
        assert screen.exported.name == "report-team-half_hour-20260301.csv"
        text = screen.exported.read_text(encoding="utf-8")
        assert text.startswith("period_start,key,offered\n")
        assert "repair,10" in text
        _p, _b, start, end = api.report_calls[-1]
        assert end - start == timedelta(days=2)
        # A bad date is refused in words, and nothing is asked of the backend.
        calls = len(api.report_calls)
        screen.query_one("#rep-from", Input).value = "yesterday"
        await pilot.press("f6")
        await pilot.pause()
        assert len(api.report_calls) == calls
        assert "Not a date" in str(screen.query_one("#rep-status", Static).render())


async def test_recordings_search_export_and_qa(tmp_path: Path) -> None:
    api = FakeApi()
    now = utc_now()
    api.items = [Recording(call_id="c-1", agent="agent0001", queue="repair", number="138", started_at=now,
                           duration_s=65.0, size=4, sha256="x", uploaded_at=now, uploaded_by="agent0001")]
    app, _api, _phone, feeds = make_monitor(api=api, options=MonitorOptions(export_dir=tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await _started(pilot, feeds)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordingsScreen), what="recordings")
        screen = app.screen
        assert isinstance(screen, RecordingsScreen)
        await wait_until(pilot, lambda: "c-1" in screen.found, what="results")
        screen.query_one("#rec-agent", Input).value = "agent0001"
        screen.query_one("#rec-min", Input).value = "30"
        screen.query_one("#rec-from", Input).value = "2026-03-01"
        await pilot.press("f2")
        await wait_until(pilot, lambda: len(api.queries) == 2, what="search")
        query = api.queries[-1]
        assert query.agent == "agent0001"
        assert query.min_duration_s == 30.0
        assert query.start is not None
        assert query.params()["agent"] == "agent0001"
        assert "from" in query.params()
        await pilot.press("f4")
        await wait_until(pilot, lambda: screen.exported, what="export")
        assert Path(screen.exported[0]) == tmp_path / "recording-c-1.wav"
        await pilot.press("f3")  # no player in this run: exported, and said so
        status = screen.query_one("#rec-status", Static)
        await wait_until(pilot, lambda: "No audio here" in str(status.render()),
                         what="no player")
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, QaScreen), what="qa form")
