"""Queue figures computed from today's call records (issue 5 replaces this with live PBX queue events)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_tui.domain.agent import QueueStats
from agent_tui.server.models import CallRow

SHORT_ABANDON_S = 20.0
"""Callers who hang up within this long are not counted as offered or abandoned."""
SL_THRESHOLD_S = 20


def day_start(now: datetime) -> datetime:
    """Midnight of `now`'s day in the server's local time zone."""
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def compute(session: Session, now: datetime, queue: str | None = None) -> list[QueueStats]:
    """Figures per queue for calls offered since local midnight (training calls left out)."""
    query = select(CallRow).where(
        CallRow.queue.is_not(None), CallRow.offered_at >= day_start(now), CallRow.training.is_(False)
    )
    if queue is not None:
        query = query.where(CallRow.queue == queue)
    by_queue: dict[str, list[CallRow]] = defaultdict(list)
    for row in session.execute(query).scalars():
        assert row.queue is not None
        by_queue[row.queue].append(row)
    return [_stats(name, rows, now) for name, rows in sorted(by_queue.items())]


def _stats(name: str, rows: list[CallRow], now: datetime) -> QueueStats:
    offered = answered = abandoned = within = waiting = 0
    longest = 0.0
    waits: list[float] = []
    handle: list[float] = []
    for row in rows:
        assert row.offered_at is not None
        if row.answered_at is not None:
            wait = max((row.answered_at - row.offered_at).total_seconds(), 0.0)
            offered += 1
            answered += 1
            waits.append(wait)
            handle.append(row.talk_s + row.hold_s + row.acw_s)
            within += wait <= SL_THRESHOLD_S
        elif row.ended_at is not None:
            if (row.ended_at - row.offered_at).total_seconds() > SHORT_ABANDON_S:
                offered += 1
                abandoned += 1
        elif now - row.offered_at < timedelta(hours=4):
            # Offered, neither answered nor ended: still waiting (stale records do not count).
            offered += 1
            waiting += 1
            longest = max(longest, (now - row.offered_at).total_seconds())
    return QueueStats(
        queue=name, waiting=waiting, longest_wait_s=longest, offered=offered, answered=answered,
        abandoned=abandoned,
        service_level=within / offered if offered else None,
        answer_rate=answered / offered if offered else None,
        abandon_rate=abandoned / offered if offered else None,
        asa_s=sum(waits) / len(waits) if waits else None,
        aht_s=sum(handle) / len(handle) if handle else None,
        sl_threshold_s=SL_THRESHOLD_S,
    )
