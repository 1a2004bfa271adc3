"""`/v1/reports`: figures per half hour, day, week or month, by queue, team or agent, as JSON or CSV."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from pydantic import TypeAdapter, ValidationError
from starlette.responses import Response

from agent_tui.domain.reports import Report, ReportBy, ReportPeriod
from agent_tui.server import figures, reports
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Board
from agent_tui.server.problems import ProblemError

router = APIRouter(prefix="/v1/reports", tags=["reports"])

MAX_SPAN = {ReportPeriod.HALF_HOUR: timedelta(days=31), ReportPeriod.DAY: timedelta(days=366),
            ReportPeriod.WEEK: timedelta(days=366), ReportPeriod.MONTH: timedelta(days=731)}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT: TypeAdapter[datetime] = TypeAdapter(datetime)


def _moment(text: str, zone: tzinfo | None, field: str, *, day_end: bool) -> datetime:
    """A timestamp (naive: UTC), or a day on the report clock: its start, or its end when `day_end`."""
    text = text.strip()
    if _DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError as error:
            raise ProblemError(422, f"not a date: {text[:40]!r}", field=field) from error
        return figures.midnight(day + timedelta(days=1) if day_end else day, zone)
    try:
        moment = _MOMENT.validate_python(text)
    except ValidationError as error:
        raise ProblemError(422, f"not a date or timestamp: {text[:40]!r}", field=field) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def report_window(start_text: str, end_text: str, zone: tzinfo | None) -> tuple[datetime, datetime]:
    """[start, end) of a report: `to` as a day is included; `from` = `to` is that one day."""
    start = _moment(start_text, zone, "query.from", day_end=False)
    if end_text.strip() == start_text.strip():
        day = figures.day_start(start, zone)
        return day, figures.period_end(ReportPeriod.DAY, day, zone)
    return start, _moment(end_text, zone, "query.to", day_end=True)


@router.get("", responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
def get_report(
    _user: CurrentUser, db: Db, board: Board,
    start_text: Annotated[str, Query(alias="from", max_length=64, description=(
        "First period start: an ISO 8601 timestamp, or a day YYYY-MM-DD (its start)."))],
    end_text: Annotated[str, Query(alias="to", max_length=64, description=(
        "Periods start before this: a timestamp, or a day YYYY-MM-DD (included); from = to: that day."))],
    period: ReportPeriod = ReportPeriod.DAY,
    by: ReportBy = ReportBy.QUEUE,
    format: Annotated[Literal["json", "csv"] | None, Query(description="Overrides Accept.")] = None,
    accept: Annotated[str | None, Header(max_length=500)] = None,
) -> Response:
    """A report; CSV with `Accept: text/csv` or `format=csv`."""
    start, end = report_window(start_text, end_text, board.live.zone)
    if end <= start:
        raise ProblemError(422, "must be after `from`", field="query.to")
    if end - start > MAX_SPAN[period]:
        raise ProblemError(422, f"at most {MAX_SPAN[period].days} days per {period.value} report",
                           field="query.to")
    with db.read() as session:
        rows = reports.report(session, board.live, period, by, start, end)
    wants_csv = format == "csv" or (format is None and accept is not None and "text/csv" in accept)
    if wants_csv:
        name = f"report-{by.value}-{period.value}-{start:%Y%m%d}.csv"
        return Response(reports.to_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    body = Report(period=period, by=by, start=start, end=end, rows=rows)
    return Response(body.model_dump_json(), media_type="application/json")
