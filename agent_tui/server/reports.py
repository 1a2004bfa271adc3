"""Report rows per half hour, day, week or month, by queue, team or agent, from the wallboard's facts.

A report row of today and the wallboard's `today` window are computed by the same functions from the
same rows, so they agree: by queue `figures.queue_figures`, by agent `figures.figures_of` over the
calls answered in the period and the state time inside it (a team adds its agents' sums).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.figures import HandlingSums, ratio
from agent_tui.domain.reports import ReportBy, ReportPeriod, ReportRow
from agent_tui.domain.ticket import Attitude, ReturnVisit
from agent_tui.server import figures, satisfaction
from agent_tui.server.aftercare_models import ReturnVisitRow
from agent_tui.server.live import LiveFigures
from agent_tui.server.models import CallRow, UserRow
from agent_tui.server.recording_models import QaScoreRow

NO_TEAM = "(none)"


def report(session: Session, live: LiveFigures, period: ReportPeriod, by: ReportBy, start: datetime,
           end: datetime, now: datetime | None = None) -> list[ReportRow]:
    """The rows of one report, ordered by period, then key (`now`: where open state stretches end)."""
    now = min(end, now or utc_now())

    def bucket(moment: datetime) -> datetime:
        return figures.period_start(period, moment, live.zone)

    if by == ReportBy.QUEUE:
        rows = _by_queue(session, live, bucket, start, end)
    else:
        rows = _by_agent(session, live, period, start, end, now, teams=by == ReportBy.TEAM)
    return sorted(rows, key=lambda r: (r.period_start, r.key))


def _by_queue(session: Session, live: LiveFigures, bucket: Callable[[datetime], datetime], start: datetime,
              end: datetime) -> list[ReportRow]:
    groups: dict[tuple[datetime, str], list[figures.QueueCallFacts]] = defaultdict(list)
    for queue, calls in live.queue_facts(session, start, until=end).items():
        for call in calls:
            groups[(bucket(call.enqueued_at), queue)].append(call)
    scores: dict[tuple[datetime, str], list[int]] = defaultdict(list)
    for scored in satisfaction.scored_calls(session, start, end):
        if scored.queue:
            scores[(bucket(scored.answered_at), scored.queue)].append(scored.score)
    out = []
    for (period, queue), calls in groups.items():
        mark = scores.get((period, queue), [])
        f = figures.queue_figures(queue, calls, period, end, sl_threshold_s=live.sl_threshold(queue),
                                  short_abandon_s=live.settings.short_abandon_s)
        out.append(ReportRow(
            period_start=period, key=queue, offered=f.offered, answered=f.answered, abandoned=f.abandoned,
            short_abandoned=f.short_abandoned, service_level=f.service_level, answer_rate=f.answer_rate,
            abandon_rate=f.abandon_rate, asa_s=f.asa_s, aht_s=f.aht_s, handled=f.handled, talk_s=f.talk_s,
            hold_s=f.hold_s, acw_s=f.acw_s, avg_hold_s=f.avg_hold_s, avg_abandon_s=f.avg_abandon_s,
            transferred=f.transferred, transfer_rate=f.transfer_rate,
            satisfaction_count=len(mark), satisfaction_avg=ratio(sum(mark), len(mark)),
        ))
    return out


class _Group:
    """What one agent or team added up over one period."""

    def __init__(self) -> None:
        self.handling = HandlingSums()
        self.times = figures.StateTimes()
        self.missed = 0
        self.qa: list[int] = []
        self.visits: list[ReturnVisit] = []
        self.satisfaction: list[int] = []


def _by_agent(session: Session, live: LiveFigures, period: ReportPeriod, start: datetime, end: datetime,
              now: datetime, teams: bool) -> list[ReportRow]:
    team_of: dict[str, str] = {}
    if teams:
        pairs = session.execute(select(UserRow.username, UserRow.team))
        team_of = {str(username): team or NO_TEAM for username, team in pairs}

    def key_of(agent: str) -> str:
        return team_of.get(agent, NO_TEAM) if teams else agent

    def bucket(moment: datetime) -> datetime:
        return figures.period_start(period, moment, live.zone)

    groups: dict[tuple[datetime, str], _Group] = defaultdict(_Group)
    for agent, calls in live.handled_calls(session, start, until=end).items():
        for call in calls:
            group = groups[(bucket(call.answered_at), key_of(agent))]
            group.handling.add(call.talk_s, call.hold_s, call.acw_s, call.first_call_resolved,
                               call.transferred)
    for agent, moments in live.missed_calls(session, start, until=end).items():
        for moment in moments:
            groups[(bucket(moment), key_of(agent))].missed += 1
    for agent, spans in live.state_spans(session, start, until=end).items():
        for span in spans:
            if span.state == "logged_out":
                continue  # counts nowhere: a long one would only walk through empty periods
            # Each period the stretch overlaps gets its part (clipped to the report and to now).
            first = figures.period_start(period, max(span.started_at, start), live.zone)
            last = min(span.ended_at or now, now, end)
            cursor = first
            while cursor < last:
                following = figures.period_end(period, cursor, live.zone)
                times = groups[(cursor, key_of(agent))].times
                times.add([span], max(cursor, start), min(following, now, end))
                cursor = following
    for scored in session.execute(
        select(CallRow.agent, CallRow.answered_at, QaScoreRow.total)
        .join(QaScoreRow, QaScoreRow.call_id == CallRow.call_id)
        .where(CallRow.answered_at >= start, CallRow.answered_at < end, CallRow.agent.is_not(None))
    ):
        groups[(bucket(scored.answered_at), key_of(str(scored.agent)))].qa.append(scored.total)
    for done_by, done_at, result in session.execute(
        select(ReturnVisitRow.done_by, ReturnVisitRow.done_at, ReturnVisitRow.result)
        .where(ReturnVisitRow.status == "done", ReturnVisitRow.done_at >= start, ReturnVisitRow.done_at < end)
    ):
        if done_by is not None and done_at is not None and result:
            groups[(bucket(done_at), key_of(str(done_by)))].visits.append(ReturnVisit.model_validate(result))
    for rated in satisfaction.scored_calls(session, start, end):
        groups[(bucket(rated.answered_at), key_of(rated.agent))].satisfaction.append(rated.score)
    out = []
    for (period_start, key), group in groups.items():
        f = figures.figures_of(group.handling, group.times)
        visits = group.visits
        offered = f.calls_handled + group.missed
        out.append(ReportRow(
            period_start=period_start, key=key, offered=offered, answered=f.calls_handled,
            abandoned=group.missed, answer_rate=ratio(f.calls_handled, offered),
            abandon_rate=ratio(group.missed, offered), handled=f.calls_handled, talk_s=f.talk_s,
            hold_s=f.hold_s, acw_s=f.acw_s, aht_s=f.aht_s, avg_hold_s=f.avg_hold_s,
            transferred=f.transferred, transfer_rate=f.transfer_rate, occupancy=f.occupancy,
            utilisation=f.utilisation, fcr=f.fcr, qa_avg=ratio(sum(group.qa), len(group.qa)),
            visits=len(visits), visit_score_avg=ratio(sum(v.score for v in visits), len(visits)),
            visit_satisfied=ratio(sum(v.attitude == Attitude.SATISFIED for v in visits), len(visits)),
            visit_resolved=ratio(sum(v.resolved for v in visits), len(visits)),
            satisfaction_count=len(group.satisfaction),
            satisfaction_avg=ratio(sum(group.satisfaction), len(group.satisfaction)),
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
