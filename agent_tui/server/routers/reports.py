"""`/v1/reports`: figures per half hour or day, by queue, team or agent, as JSON or CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from starlette.responses import Response

from agent_tui.domain.supervision import Report, ReportBy, ReportPeriod
from agent_tui.server import reports
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Board
from agent_tui.server.problems import ProblemError

router = APIRouter(prefix="/v1/reports", tags=["reports"])

MAX_SPAN = {ReportPeriod.HALF_HOUR: timedelta(days=31), ReportPeriod.DAY: timedelta(days=366)}


@router.get("", responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
def get_report(
    _user: CurrentUser, db: Db, board: Board,
    start: Annotated[datetime, Query(alias="from", description="First period start (ISO 8601).")],
    end: Annotated[datetime, Query(alias="to", description="Periods start before this.")],
    period: ReportPeriod = ReportPeriod.DAY,
    by: ReportBy = ReportBy.QUEUE,
    format: Annotated[Literal["json", "csv"] | None, Query(description="Overrides Accept.")] = None,
    accept: Annotated[str | None, Header(max_length=500)] = None,
) -> Response:
    """A report; CSV with `Accept: text/csv` or `format=csv`."""
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
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
