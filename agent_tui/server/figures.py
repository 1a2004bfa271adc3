"""KPI arithmetic over plain facts: queue and agent figures for one time window (no database here).

Definitions (DOMAIN.md): a caller counts as offered once answered, abandoned after the short-abandon
limit, or sent to overflow (voicemail, callback); callers still waiting are shown as waiting, not
offered, so service level does not dip while they wait. Service level = answered within the queue's
threshold ÷ offered; answer rate = answered ÷ offered; abandon rate = abandoned ÷ offered (short
abandons excluded from both); ASA = queue time of answered calls ÷ answered; AHT = (talk + hold + ACW)
÷ handled calls; occupancy = time on call ÷ (time on call + time Ready and idle).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from agent_tui.domain.supervision import AgentFigures, QueueFigures

STALE_WAIT = timedelta(hours=4)
"""A caller 'waiting' longer than this lost its end event: not counted as waiting."""


@dataclass(frozen=True, slots=True)
class QueueCallFacts:
    """One caller's way through a queue; `handle_s` is talk + hold + ACW once the desk reported it."""

    queue: str
    enqueued_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    overflow: bool = False
    handle_s: float | None = None


@dataclass(frozen=True, slots=True)
class HandledCall:
    """One call an agent handled."""

    answered_at: datetime
    talk_s: float
    hold_s: float
    acw_s: float
    first_call_resolved: bool | None = None


@dataclass(frozen=True, slots=True)
class StateSpan:
    """A stretch of time in one state; `ended_at` None: still in it."""

    state: str
    started_at: datetime
    ended_at: datetime | None


def half_hour_start(now: datetime, zone: tzinfo | None) -> datetime:
    """The start of the half hour `now` falls in (on the clock of `zone`; None: the server's)."""
    local = now.astimezone(zone)
    return local.replace(minute=0 if local.minute < 30 else 30, second=0, microsecond=0)


def day_start(now: datetime, zone: tzinfo | None) -> datetime:
    """Midnight of `now`'s day on the clock of `zone`."""
    return now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)


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
    handles: list[float] = []
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
            if call.handle_s is not None:
                handles.append(call.handle_s)
        elif call.ended_at is not None:
            if call.overflow:
                offered += 1
            elif (call.ended_at - call.enqueued_at).total_seconds() <= short_abandon_s:
                short += 1
            else:
                offered += 1
                abandoned += 1
    count, longest, _ = waiting(current, now)
    return QueueFigures(
        queue=queue, waiting=count, longest_wait_s=longest, offered=offered, answered=answered,
        abandoned=abandoned, short_abandoned=short, answered_in_sl=within,
        service_level=within / offered if offered else None,
        answer_rate=answered / offered if offered else None,
        abandon_rate=abandoned / offered if offered else None,
        asa_s=sum(waits) / len(waits) if waits else None,
        aht_s=sum(handles) / len(handles) if handles else None,
        longest_answer_s=max(waits) if waits else None,
        sl_threshold_s=sl_threshold_s,
    )


def _overlap(span: StateSpan, start: datetime, now: datetime) -> float:
    end = span.ended_at or now
    return max((min(end, now) - max(span.started_at, start)).total_seconds(), 0.0)


def agent_figures(
    calls: Iterable[HandledCall], spans: Iterable[StateSpan], start: datetime, now: datetime
) -> AgentFigures:
    """One agent's figures for calls answered in [start, now] and the state time inside it."""
    handled = [c for c in calls if start <= c.answered_at <= now]
    talk = sum(c.talk_s for c in handled)
    hold = sum(c.hold_s for c in handled)
    acw = sum(c.acw_s for c in handled)
    flagged = [c.first_call_resolved for c in handled if c.first_call_resolved is not None]
    on_call = ready = 0.0
    for span in spans:
        if span.state == "on_call":
            on_call += _overlap(span, start, now)
        elif span.state == "ready":
            ready += _overlap(span, start, now)
    n = len(handled)
    return AgentFigures(
        calls_handled=n, talk_s=talk, hold_s=hold, acw_s=acw,
        aht_s=(talk + hold + acw) / n if n else None,
        avg_acw_s=acw / n if n else None,
        avg_hold_s=hold / n if n else None,
        fcr=sum(flagged) / len(flagged) if flagged else None,
        occupancy=on_call / (on_call + ready) if on_call + ready > 0 else None,
        ready_s=ready,
    )
