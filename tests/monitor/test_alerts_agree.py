"""The wallboard's alert list and its queues table come from one computation: the alert list names
every queue the table colours, with the table's own figures and window, and never says "No alerts"
while a queue is red; the floor line (occupancy, utilisation, transfers, hold, abandon wait) at 80x24."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from agent_tui.domain.base import utc_now
from agent_tui.domain.supervision import AgentFigures, Alert, AlertKind, AlertLevel, QueueFigures, QueuePanel
from agent_tui.i18n import Translator
from agent_tui.ui.monitor.cells import CellMaker, floor_line
from agent_tui.ui.monitor.model import floor_figures
from agent_tui.ui.monitor.options import Thresholds
from agent_tui.ui.monitor.wallboard import WallboardScreen
from tests.monitor.doubles import agent_row, make_monitor, snapshot
from tests.ui.helpers import screen_text, wait_until

MAKER = CellMaker(Translator("en"), Thresholds())


def figures(name: str, sl: float | None, waiting: int = 0, abandon: float | None = 0.01) -> QueueFigures:
    return QueueFigures(queue=name, offered=30, answered=20, service_level=sl, asa_s=10.0,
                        abandon_rate=abandon, aht_s=200.0, waiting=waiting)


def panel(name: str, today_sl: float | None, half_sl: float | None, waiting: int = 0) -> QueuePanel:
    return QueuePanel(queue=name, waiting=waiting, today=figures(name, today_sl, waiting),
                      half_hour=figures(name, half_sl, waiting))


def test_the_alert_list_says_what_the_table_shows() -> None:
    now = utc_now()
    # Today the table shows SL 43%; the backend judged this half hour (0%) with its own thresholds.
    repair = panel("repair", 0.43, 0.0)
    backend_sl = Alert(key="sl_breach:repair", kind=AlertKind.SL_BREACH, level=AlertLevel.ALERT,
                       since=now - timedelta(minutes=20), queue="repair", value=0.0,
                       detail="0% < 80% within 20 s")
    entries = MAKER.board_alerts([backend_sl], [repair], today=True, now=now)
    assert MAKER.queue(repair, repair.today, now)[3] == ("43%", "alert")
    assert [(e.who, e.value, e.detail) for e in entries] == [("repair", "SL 43% !!", "today")]
    text = MAKER.alert_text(entries).plain
    assert "0%" not in text.replace("43%", "")
    half = MAKER.board_alerts([backend_sl], [repair], today=False, now=now)
    assert [(e.who, e.value, e.detail) for e in half] == [("repair", "SL 0% !!", "this half hour")]


def test_no_alerts_is_never_shown_while_queues_are_red() -> None:
    now = utc_now()
    red = [panel(f"q{i}", 0.4, 0.9) for i in range(3)]
    entries = MAKER.board_alerts([], [*red, panel("fine", 0.95, 0.95)], today=True, now=now)
    assert [e.who for e in entries] == ["q0", "q1", "q2"]
    assert "No alerts" not in MAKER.alert_text(entries).plain
    calm = MAKER.board_alerts([], [panel("fine", 0.95, 0.95)], today=True, now=now)
    assert MAKER.alert_text(calm).plain == "No alerts"


levels = st.one_of(st.none(), st.floats(min_value=0, max_value=1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(levels, levels, st.integers(0, 15), st.one_of(st.none(), st.floats(0, 0.3))),
                max_size=6), st.booleans())
def test_every_coloured_queue_is_in_the_alert_list(queues: list[tuple[float | None, float | None, int,
                                                                       float | None]], today: bool) -> None:
    now = utc_now()
    panels = [QueuePanel(queue=f"q{i}", waiting=waiting,
                         today=figures(f"q{i}", sl_today, waiting, abandon),
                         half_hour=figures(f"q{i}", sl_half, waiting, abandon))
              for i, (sl_today, sl_half, waiting, abandon) in enumerate(queues)]
    entries = MAKER.board_alerts([], panels, today=today, now=now)
    coloured = {}
    for p in panels:
        styles = {style for _text, style in MAKER.queue(p, p.today if today else p.half_hour, now)}
        if styles & {"warning", "alert"}:
            coloured[p.queue] = "alert" if "alert" in styles else "warning"
    assert {e.who: e.level.name.lower() for e in entries} == coloured
    assert ("No alerts" in MAKER.alert_text(entries).plain) == (not coloured)


def test_floor_figures_add_up_the_rows() -> None:
    rows = [agent_row(1, today=AgentFigures(calls_handled=2, talk_s=100, hold_s=20, busy_s=120, ready_s=80,
                                            logged_in_s=400, transferred=1)),
            agent_row(2, today=AgentFigures(calls_handled=2, talk_s=60, hold_s=0, busy_s=60, ready_s=140,
                                            logged_in_s=400))]
    queue = QueuePanel(queue="q", today=QueueFigures(queue="q", abandoned=2, avg_abandon_s=30.0),
                       half_hour=QueueFigures(queue="q"))
    floor = floor_figures(rows, [queue], today=True)
    assert floor.occupancy == 180 / 400
    assert floor.utilisation == 160 / 800
    assert (floor.transfer_rate, floor.avg_hold_s, floor.avg_abandon_s) == (0.25, 5.0, 30.0)
    assert floor_line(Translator("en"), floor) == (
        "Occ. 45% · Util. 20% · Transfer 25% · Hold 0:05 · Abandon wait 0:30")
    assert floor_figures(rows, [queue], today=False).occupancy is None


async def test_red_queues_reach_the_alert_line_at_80x24() -> None:
    app, _api, _phone, feeds = make_monitor(theme="monochrome")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        queues = [panel("repair", 0.43, 0.0), panel("billing", 0.95, 0.9)]
        feeds[0].sink.snapshot(snapshot(agents=8, queues=queues))
        await wait_until(pilot, lambda: "SL 43% !!" in screen_text(app), what="the queue alert")
        screen = getattr(app, "wallboard", None)
        assert isinstance(screen, WallboardScreen)
        assert [e.who for e in screen.alert_entries] == ["repair"]
        text = screen_text(app)
        assert "No alerts" not in text
        assert "Occ. -" in text
        lines = text.splitlines()
        assert len(lines) <= 24
        assert all(len(line) <= 80 for line in lines)
        screen.action_window()  # the half hour: the table and the list both show 0%
        await wait_until(pilot, lambda: "SL 0% !!" in screen_text(app), what="the half-hour alert")
        assert screen.queues.cells["repair"][3] == ("0%", "alert")


def test_agent_cells_read_only_the_fields_the_wallboard_compares() -> None:
    # The agents table skips rows whose `agent_cell_fields` did not change: any other field of the row
    # must leave the cells as they are, or the table would show stale cells.
    from agent_tui.domain.agent import AgentStateName
    from agent_tui.domain.supervision import AgentRow
    from agent_tui.ui.monitor.model import AGENT_CELL_FIELDS, agent_cell_fields
    from tests.monitor.doubles import agent_row

    maker = CellMaker(Translator("en"), Thresholds())
    now = utc_now()
    row = agent_row(7, AgentStateName.ON_CALL, call_id="c1", call_number="13800000000", call_queue="repair",
                    call_started=now - timedelta(seconds=30))
    others = {"extension": "9999", "time_in_state_s": 1234.0, "call_duration_s": 99.0,
              "half_hour": AgentFigures(calls_handled=3), "today": AgentFigures(calls_handled=9)}
    assert set(others) | set(AGENT_CELL_FIELDS) == set(AgentRow.model_fields)
    changed = row.model_copy(update=others)
    assert agent_cell_fields(changed) == agent_cell_fields(row)
    assert maker.agent(changed, now) == maker.agent(row, now)
    assert agent_cell_fields(row.model_copy(update={"reason": "meeting"})) != agent_cell_fields(row)
