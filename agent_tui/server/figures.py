"""KPI arithmetic over plain facts: queue and agent figures for one time window (no database here).

Definitions (DOMAIN.md): a caller counts as offered once answered, abandoned after the short-abandon
limit, or sent to overflow (voicemail, callback); callers still waiting are shown as waiting, not
offered, so service level does not dip while they wait. Service level = answered within the queue's
threshold ÷ offered; answer rate = answered ÷ offered; abandon rate = abandoned ÷ offered (short
abandons excluded from both); ASA = queue time of answered calls ÷ answered; AHT = (talk + hold + ACW)
÷ handled calls, talk excluding hold (`domain.figures`, the one copy of those rules); occupancy = time
on call ÷ (time on call + time Ready and idle); utilisation = talk ÷ logged-in time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from agent_tui.domain.figures import HandlingSums, occupancy, ratio, utilisation
from agent_tui.domain.reports import ReportPeriod
from agent_tui.domain.supervision import AgentFigures, QueueFigures

STALE_WAIT = timedelta(hours=4)
"""A caller 'waiting' longer than this lost its end event: not counted as waiting."""


@dataclass(frozen=True, slots=True)
class QueueCallFacts:
    """One caller's way through a queue; `talk_s` is None until the desk's call record came in."""

    queue: str
    enqueued_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    overflow: bool = False
    talk_s: float | None = None
    hold_s: float = 0.0
    acw_s: float = 0.0
    transferred: bool = False


@dataclass(frozen=True, slots=True)
class HandledCall:
    """One call an agent handled (`talk_s` excludes hold: `domain.figures.talk_seconds`)."""

    answered_at: datetime
    talk_s: float
    hold_s: float
    acw_s: float
    first_call_resolved: bool | None = None
    transferred: bool = False


@dataclass(frozen=True, slots=True)
class StateSpan:
    """A stretch of time in one state; `ended_at` None: still in it."""

    state: str
    started_at: datetime
    ended_at: datetime | None


def midnight(day: date, zone: tzinfo | None) -> datetime:
    """Midnight at the start of `day` on the clock of `zone` (None: the server's)."""
    if zone is None:
        return datetime(day.year, day.month, day.day).astimezone()
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def half_hour_start(now: datetime, zone: tzinfo | None) -> datetime:
    """The start of the half hour `now` falls in (on the clock of `zone`; None: the server's)."""
    local = now.astimezone(zone)
    return local.replace(minute=0 if local.minute < 30 else 30, second=0, microsecond=0)


def day_start(now: datetime, zone: tzinfo | None) -> datetime:
    """Midnight of `now`'s day on the clock of `zone`."""
    return midnight(now.astimezone(zone).date(), zone)


def period_start(period: ReportPeriod, moment: datetime, zone: tzinfo | None) -> datetime:
    """The start of the report period `moment` falls in (weeks start on Monday)."""
    if period == ReportPeriod.HALF_HOUR:
        return half_hour_start(moment, zone)
    day = moment.astimezone(zone).date()
    if period == ReportPeriod.WEEK:
        day -= timedelta(days=day.weekday())
    elif period == ReportPeriod.MONTH:
        day = day.replace(day=1)
    return midnight(day, zone)


def period_end(period: ReportPeriod, start: datetime, zone: tzinfo | None) -> datetime:
    """The start of the period after the one starting at `start`."""
    if period == ReportPeriod.HALF_HOUR:
        return start + timedelta(minutes=30)
    day = start.astimezone(zone).date()
    if period == ReportPeriod.DAY:
        return midnight(day + timedelta(days=1), zone)
    if period == ReportPeriod.WEEK:
        return midnight(day + timedelta(days=7), zone)
    return midnight(date(day.year + day.month // 12, day.month % 12 + 1, 1), zone)


def waiting(calls: Iterable[QueueCallFacts], now: datetime) -> tuple[int, float, datetime | None]:
    """Callers waiting now: how many, the longest wait in seconds, and since when the oldest waits."""
    count = 0
    oldest: datetime | None = None
    for call in calls:
        if call.answered_at is None and call.ended_at is None and now - call.enqueued_at < STALE_WAIT:
            count += 1
            if oldest is None or call.enqueued_at < oldest:
                oldest = call.enqueued_at
    longest = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return count, longest, oldest


def queue_figures(
    queue: str, calls: Iterable[QueueCallFacts], start: datetime, now: datetime, *,
    sl_threshold_s: int, short_abandon_s: float,
) -> QueueFigures:
    """Figures of callers enqueued in [start, now] (a caller belongs to the window they arrived in)."""
    offered = answered = abandoned = short = within = 0
    waits: list[float] = []
    abandon_waits: list[float] = []
    handling = HandlingSums()
    current = list(calls)
    for call in current:
        if not start <= call.enqueued_at <= now:
            continue
        if call.answered_at is not None:
            wait = max((call.answered_at - call.enqueued_at).total_seconds(), 0.0)
            offered += 1
            answered += 1
            waits.append(wait)
            within += wait <= sl_threshold_s
            if call.talk_s is not None:
                handling.add(call.talk_s, call.hold_s, call.acw_s, transferred=call.transferred)
        elif call.ended_at is not None:
            waited = max((call.ended_at - call.enqueued_at).total_seconds(), 0.0)
            if call.overflow:
                offered += 1
            elif waited <= short_abandon_s:
                short += 1
            else:
                offered += 1
                abandoned += 1
                abandon_waits.append(waited)
    count, longest, _ = waiting(current, now)
    return QueueFigures(
        queue=queue, waiting=count, longest_wait_s=longest, offered=offered, answered=answered,
        abandoned=abandoned, short_abandoned=short, answered_in_sl=within,
        service_level=ratio(within, offered), answer_rate=ratio(answered, offered),
        abandon_rate=ratio(abandoned, offered),
        asa_s=ratio(sum(waits), len(waits)),
        aht_s=handling.aht_s,
        longest_answer_s=max(waits) if waits else None,
        sl_threshold_s=sl_threshold_s,
        handled=handling.calls, talk_s=handling.talk_s, hold_s=handling.hold_s, acw_s=handling.acw_s,
        avg_hold_s=handling.avg_hold_s, transferred=handling.transferred,
        transfer_rate=handling.transfer_rate,
        avg_abandon_s=ratio(sum(abandon_waits), len(abandon_waits)),
    )


def _overlap(span: StateSpan, start: datetime, now: datetime) -> float:
    end = span.ended_at or now
    return max((min(end, now) - max(span.started_at, start)).total_seconds(), 0.0)


@dataclass
class StateTimes:
    """Seconds on a call, Ready and idle, and logged in (any state but logged out) within a window."""

    busy_s: float = 0.0
    ready_s: float = 0.0
    logged_in_s: float = 0.0

    def add(self, spans: Iterable[StateSpan], start: datetime, now: datetime) -> None:
        """Add the parts of `spans` inside [start, now]."""
        for span in spans:
            seconds = _overlap(span, start, now)
            if span.state == "on_call":
                self.busy_s += seconds
            elif span.state == "ready":
                self.ready_s += seconds
            if span.state != "logged_out":
                self.logged_in_s += seconds


def handling_of(calls: Iterable[HandledCall], start: datetime, now: datetime) -> HandlingSums:
    """The sums of the calls answered in [start, now]."""
    sums = HandlingSums()
    for call in calls:
        if start <= call.answered_at <= now:
            sums.add(call.talk_s, call.hold_s, call.acw_s, call.first_call_resolved, call.transferred)
    return sums


def agent_figures(
    calls: Iterable[HandledCall], spans: Iterable[StateSpan], start: datetime, now: datetime
) -> AgentFigures:
    """One agent's figures for calls answered in [start, now] and the state time inside it."""
    times = StateTimes()
    times.add(spans, start, now)
    return figures_of(handling_of(calls, start, now), times)


def figures_of(sums: HandlingSums, times: StateTimes) -> AgentFigures:
    """Agent figures (one agent's, or a team's added up) from their sums."""
    return AgentFigures(
        calls_handled=sums.calls, talk_s=sums.talk_s, hold_s=sums.hold_s, acw_s=sums.acw_s,
        aht_s=sums.aht_s, avg_acw_s=sums.avg_acw_s, avg_hold_s=sums.avg_hold_s, fcr=sums.fcr,
        resolved=sums.resolved, judged=sums.judged, transferred=sums.transferred,
        transfer_rate=sums.transfer_rate,
        occupancy=occupancy(times.busy_s, times.ready_s),
        utilisation=utilisation(sums.talk_s, times.logged_in_s),
        ready_s=times.ready_s, busy_s=times.busy_s, logged_in_s=times.logged_in_s,
    )
