"""KPI arithmetic from synthetic event sequences: SL, short abandons, ASA, AHT, occupancy, half hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent_tui.domain.reports import ReportPeriod
from agent_tui.server.figures import (
    HandledCall,
    QueueCallFacts,
    StateSpan,
    agent_figures,
    day_start,
    half_hour_start,
    period_end,
    period_start,
    queue_figures,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def answered(enq: float, wait: float, handle: float | None = None) -> QueueCallFacts:
    return QueueCallFacts("q", at(enq), answered_at=at(enq + wait), talk_s=handle)


def abandoned(enq: float, after: float) -> QueueCallFacts:
    return QueueCallFacts("q", at(enq), ended_at=at(enq + after))


def test_service_level_asa_aht_and_short_abandons() -> None:
    calls = [
        answered(0, 5, 100), answered(10, 20, 200), answered(20, 21, 300), answered(30, 60),
        abandoned(40, 20),  # short (<= 20 s): neither offered nor abandoned
        abandoned(50, 45),
        QueueCallFacts("q", at(60), ended_at=at(120), overflow=True),
        QueueCallFacts("q", at(300)),  # still waiting
    ]
    f = queue_figures("q", calls, T0, at(400), sl_threshold_s=20, short_abandon_s=20)
    assert (f.offered, f.answered, f.abandoned, f.short_abandoned) == (6, 4, 1, 1)
    assert f.answered_in_sl == 2  # 5 s and exactly 20 s
    assert f.service_level == pytest.approx(2 / 6)
    assert f.answer_rate == pytest.approx(4 / 6)
    assert f.abandon_rate == pytest.approx(1 / 6)
    assert f.asa_s == pytest.approx((5 + 20 + 21 + 60) / 4)
    assert f.aht_s == pytest.approx(200.0)  # only calls whose handle time is known
    assert (f.waiting, f.longest_wait_s) == (1, 100.0)
    assert f.longest_answer_s == 60.0


def test_per_queue_threshold_changes_service_level() -> None:
    calls = [answered(0, 10), answered(1, 14)]
    assert queue_figures("q", calls, T0, at(60), sl_threshold_s=15, short_abandon_s=20).service_level == 1.0
    assert queue_figures("q", calls, T0, at(60), sl_threshold_s=12, short_abandon_s=20).service_level == 0.5


def test_no_calls_no_ratios() -> None:
    f = queue_figures("q", [], T0, at(1), sl_threshold_s=20, short_abandon_s=20)
    assert f.offered == 0
    assert f.service_level is None
    assert f.asa_s is None


def test_half_hour_boundaries_assign_callers_by_arrival() -> None:
    now = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)
    start = half_hour_start(now, UTC)
    assert start == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert half_hour_start(datetime(2026, 3, 2, 10, 30, tzinfo=UTC), UTC).minute == 30
    assert half_hour_start(datetime(2026, 3, 2, 10, 29, 59, tzinfo=UTC), UTC).minute == 0
    before = QueueCallFacts("q", start - timedelta(seconds=1), answered_at=start + timedelta(seconds=30))
    inside = QueueCallFacts("q", start, answered_at=start + timedelta(seconds=2))
    f = queue_figures("q", [before, inside], start, now, sl_threshold_s=20, short_abandon_s=20)
    assert (f.offered, f.answered, f.service_level) == (1, 1, 1.0)
    day = queue_figures("q", [before, inside], day_start(now, UTC), now, sl_threshold_s=20,
                        short_abandon_s=20)
    assert (day.offered, day.service_level) == (2, 0.5)


def test_day_start_follows_the_zone() -> None:
    now = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 01:00 on 3 March in Shanghai
    assert day_start(now, ZoneInfo("Asia/Shanghai")) == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert day_start(now, UTC) == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def test_agent_aht_acw_hold_fcr_occupancy() -> None:
    calls = [
        HandledCall(at(100), talk_s=200, hold_s=30, acw_s=40, first_call_resolved=True),
        HandledCall(at(700), talk_s=100, hold_s=0, acw_s=20, first_call_resolved=False),
        HandledCall(at(900), talk_s=60, hold_s=10, acw_s=30, first_call_resolved=None),
        HandledCall(at(-10), talk_s=999, hold_s=0, acw_s=0),  # before the window
    ]
    spans = [
        StateSpan("ready", at(-100), at(100)),  # 100 s inside the window
        StateSpan("on_call", at(100), at(330)),  # 230 s
        StateSpan("acw", at(330), at(370)),
        StateSpan("ready", at(370), at(700)),  # 330 s
        StateSpan("on_call", at(700), None),  # still on the call at `now`: 300 s
    ]
    f = agent_figures(calls, spans, T0, at(1000))
    assert f.calls_handled == 3
    assert f.aht_s == pytest.approx((360 + 30 + 40 + 0 + 20 + 10 + 30) / 3)
    assert f.avg_acw_s == pytest.approx(30.0)
    assert f.avg_hold_s == pytest.approx(40 / 3)
    assert f.fcr == pytest.approx(0.5)
    assert f.ready_s == pytest.approx(430.0)
    assert f.occupancy == pytest.approx(530 / (530 + 430))


def test_week_and_month_periods_on_the_report_clock() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    moment = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # Friday 1 January 2027, 01:00 in Shanghai
    week = period_start(ReportPeriod.WEEK, moment, shanghai)
    assert week == datetime(2026, 12, 28, tzinfo=shanghai)  # the Monday before
    assert period_end(ReportPeriod.WEEK, week, shanghai) == datetime(2027, 1, 4, tzinfo=shanghai)
    month = period_start(ReportPeriod.MONTH, moment, shanghai)
    assert month == datetime(2027, 1, 1, tzinfo=shanghai)
    assert period_end(ReportPeriod.MONTH, month, shanghai) == datetime(2027, 2, 1, tzinfo=shanghai)
    december = period_start(ReportPeriod.MONTH, moment, UTC)
    assert (december, period_end(ReportPeriod.MONTH, december, UTC)) == (
        datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert period_end(ReportPeriod.DAY, period_start(ReportPeriod.DAY, moment, UTC), UTC) == datetime(
        2027, 1, 1, tzinfo=UTC)
    assert period_end(ReportPeriod.HALF_HOUR, half_hour_start(moment, UTC), UTC).minute == 30


def test_queue_sums_hold_and_abandon_wait() -> None:
    calls = [
        QueueCallFacts("q", at(0), answered_at=at(5), talk_s=8, hold_s=4, acw_s=0),
        QueueCallFacts("q", at(10), answered_at=at(12), talk_s=20, hold_s=0, acw_s=10, transferred=True),
        QueueCallFacts("q", at(20), answered_at=at(30)),  # its call record has not come in
        abandoned(40, 50), abandoned(50, 70), abandoned(60, 5),  # the last one is short
    ]
    f = queue_figures("q", calls, T0, at(400), sl_threshold_s=20, short_abandon_s=20)
    assert (f.answered, f.handled, f.talk_s, f.hold_s, f.acw_s) == (3, 2, 28, 4, 10)
    assert f.aht_s == pytest.approx(21.0)
    assert (f.avg_hold_s, f.transfer_rate, f.avg_abandon_s) == (2.0, 0.5, 60.0)
