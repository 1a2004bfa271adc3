"""Report rows per half hour or day, by queue, team or agent, from the same facts as the wallboard."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_tui.domain.supervision import ReportBy, ReportPeriod, ReportRow
from agent_tui.server import figures
from agent_tui.server.live import LiveFigures
from agent_tui.server.models import CallRow, QaScoreRow, UserRow

NO_TEAM = "(none)"


def report(session: Session, live: LiveFigures, period: ReportPeriod, by: ReportBy, start: datetime,
           end: datetime) -> list[ReportRow]:
    """The rows of one report, ordered by period, then key."""
    bucket: Callable[[datetime], datetime] = (
        (lambda t: figures.half_hour_start(t, live.zone)) if period == ReportPeriod.HALF_HOUR
        else (lambda t: figures.day_start(t, live.zone))
    )
    if by == ReportBy.QUEUE:
        rows = _by_queue(session, live, bucket, start, end)
    else:
        rows = _by_agent(session, live, bucket, start, end, teams=by == ReportBy.TEAM)
    return sorted(rows, key=lambda r: (r.period_start, r.key))


def _by_queue(session: Session, live: LiveFigures, bucket: Callable[[datetime], datetime], start: datetime,
              end: datetime) -> list[ReportRow]:
    groups: dict[tuple[datetime, str], list[figures.QueueCallFacts]] = defaultdict(list)
    for queue, calls in live.queue_facts(session, start, until=end).items():
        for call in calls:
            groups[(bucket(call.enqueued_at), queue)].append(call)
    out = []
    for (period, queue), calls in groups.items():
        f = figures.queue_figures(queue, calls, period, end, sl_threshold_s=live.sl_threshold(queue),
                                  short_abandon_s=live.settings.short_abandon_s)
        out.append(ReportRow(
            period_start=period, key=queue, offered=f.offered, answered=f.answered, abandoned=f.abandoned,
            short_abandoned=f.short_abandoned, service_level=f.service_level, answer_rate=f.answer_rate,
            abandon_rate=f.abandon_rate, asa_s=f.asa_s, aht_s=f.aht_s, handled=f.answered,
        ))
    return out


def _by_agent(session: Session, live: LiveFigures, bucket: Callable[[datetime], datetime], start: datetime,
              end: datetime, teams: bool) -> list[ReportRow]:
    team_of: dict[str, str] = {}
    if teams:
        pairs = session.execute(select(UserRow.username, UserRow.team))
        team_of = {str(username): team or NO_TEAM for username, team in pairs}
    groups: dict[tuple[datetime, str], list[figures.HandledCall]] = defaultdict(list)
    for agent, calls in live.handled_calls(session, start, until=end).items():
        key = team_of.get(agent, NO_TEAM) if teams else agent
        for call in calls:
            groups[(bucket(call.answered_at), key)].append(call)
    qa: dict[tuple[datetime, str], list[int]] = defaultdict(list)
    for scorer_row in session.execute(
        select(CallRow.agent, CallRow.answered_at, QaScoreRow.total)
        .join(QaScoreRow, QaScoreRow.call_id == CallRow.call_id)
        .where(CallRow.answered_at >= start, CallRow.answered_at < end, CallRow.agent.is_not(None))
    ):
        who, answered_at, total = str(scorer_row.agent), scorer_row.answered_at, scorer_row.total
        key = team_of.get(who, NO_TEAM) if teams else who
        qa[(bucket(answered_at), key)].append(total)
    out = []
    for (period, key), calls in groups.items():
        f = figures.agent_figures(calls, [], period, end)
        scores = qa.get((period, key), [])
        out.append(ReportRow(
            period_start=period, key=key, answered=f.calls_handled, handled=f.calls_handled, talk_s=f.talk_s,
            hold_s=f.hold_s, acw_s=f.acw_s, aht_s=f.aht_s, fcr=f.fcr,
            qa_avg=sum(scores) / len(scores) if scores else None,
        ))
    return out


CSV_COLUMNS = tuple(ReportRow.model_fields)


def to_csv(rows: list[ReportRow]) -> str:
    """The rows as CSV with a header line (ratios as fractions, times in seconds, ISO timestamps)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        data = row.model_dump(mode="json")
        writer.writerow(["" if data[c] is None else _cell(data[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()


def _cell(value: object) -> str:
    text = str(value)
    # A spreadsheet would run a cell starting like a formula: queue and team names come from outside.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
