"""The field side of a repair order's life cycle: the steps a repair centre or field team reports.

A field system logs in with a user of the `field` role and reports each step of an order (by its
number) with the time it happened by its own clock. The team of the user that receives the order holds
it: only users of that team report its later steps (another team gets 403), until it is recalled.
A step that does not follow (out of order, a recalled order, before the previous step's time) is
refused and changes nothing; the same step reported again with the same time is answered unchanged,
so a system that lost the answer may simply send it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_tui.domain.sla import SAME_SITE_FIELD
from agent_tui.domain.ticket import (
    FIELD_STEP_STATUS,
    FieldReport,
    FieldStep,
    FieldStepRefused,
    Ticket,
    TicketStatus,
    TicketType,
    field_move,
)
from agent_tui.server import aftercare, audit, orders
from agent_tui.server.models import TicketRow, TimelineRow, UserRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.settings import ServerSettings
from agent_tui.server.store import load_tickets

CLOCK_SKEW = timedelta(seconds=60)
"""A reported time this far ahead of the server's clock is taken as the clocks differing, not a lie."""
SAME_SITE_STEPS = frozenset({FieldStep.DISPATCH, FieldStep.ACCEPT})


@dataclass(frozen=True, slots=True)
class Reporter:
    """The field user reporting, and the team (department) it reports for."""

    username: str
    team: str | None


def reporter(session: Session, user_id: int, username: str) -> Reporter:
    """The reporter behind a token (its team read from the users table)."""
    team = session.execute(select(UserRow.team).where(UserRow.id == user_id)).scalar_one_or_none()
    return Reporter(username, team)


def order_by_number(session: Session, number: str, *, lock: bool = False) -> TicketRow:
    """The order with this number; 404 when there is none (training orders are not the field's)."""
    query = select(TicketRow).where(TicketRow.number == number.strip().upper(),
                                    TicketRow.training.is_(False))
    if lock:
        # FOR NO KEY UPDATE: the deadline watcher's alert rows reference the order (a KEY SHARE lock),
        # and a plain FOR UPDATE would make a step and the watcher wait on each other.
        query = query.with_for_update(key_share=True)
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        raise ProblemError(404, f"no order {number}", field="path.number")
    return row


def check_holder(row: TicketRow, who: Reporter) -> None:
    """403 unless the order is held by nobody or by the reporter's team."""
    if row.field_team is not None and row.field_team != who.team:
        raise ProblemError(403, f"order {row.number} is held by another team")


def last_change(session: Session, row: TicketRow) -> TimelineRow | None:
    """The timeline entry where the order reached its current status."""
    entries = session.execute(
        select(TimelineRow).where(TimelineRow.ticket_id == row.id).order_by(TimelineRow.id.desc())
    ).scalars()
    latest: TimelineRow | None = None
    for entry in entries:
        if entry.status != row.status:
            break
        latest = entry
    return latest


def report_step(
    session: Session, row: TicketRow, step: FieldStep, report: FieldReport, who: Reporter, now: datetime,
    settings: ServerSettings,
) -> tuple[Ticket, bool]:
    """Apply one field step to a locked order; answer the order and whether anything changed.

    Raises ProblemError (403 another team's order, 409 a step that does not follow, 422 a bad time or a
    recall without a reason) before changing anything.
    """
    check_holder(row, who)
    at = report.at or now
    if at.tzinfo is None:
        raise ProblemError(422, "needs a UTC offset (e.g. 2026-12-05T10:00:00+08:00)", field="body.at")
    if at > now + CLOCK_SKEW:
        raise ProblemError(422, f"{at.isoformat()} is in the future", field="body.at")
    current = TicketStatus(row.status)
    previous = last_change(session, row)
    target = FIELD_STEP_STATUS[step]
    if current == target and previous is not None and report.at is not None and previous.at == at:
        return load_tickets(session, [row], now, settings.sla)[0], False  # the same report again
    try:
        target = field_move(TicketType(row.ticket_type), current, step)
    except FieldStepRefused as refused:
        raise ProblemError(409, refused.reason, field="path.step") from None
    if previous is not None and at < previous.at:
        raise ProblemError(409, f"{at.isoformat()} is before the order became {current.value} "
                           f"({previous.at.isoformat()})", field="body.at")
    if step == FieldStep.RECALL and not report.note:
        raise ProblemError(422, "say why the order is recalled", field="body.note")
    if report.same_site is not None:
        if step not in SAME_SITE_STEPS:
            raise ProblemError(422, "only dispatch and accept say where the team works from",
                               field="body.same_site")
        row.fields = {**row.fields, SAME_SITE_FIELD: report.same_site}
    if step == FieldStep.RECEIVE:
        row.field_team = who.team
    elif step == FieldStep.RECALL:
        row.field_team = None
    note = report.note if not report.team else f"{report.team}: {report.note}".rstrip(": ")
    row.status = target.value
    row.updated_at = now
    session.add(TimelineRow(ticket_id=row.id, status=target.value, at=at, by=who.username, note=note[:200]))
    audit.record(session, who.username, f"field_{step.value}", detail={
        "ticket_id": row.id, "number": row.number, "at": at.isoformat(), "reported_at": now.isoformat()})
    aftercare.status_changed(session, row, current, settings)  # fixed: tell the customer, return visit
    ticket = orders.after_change(session, row, now, settings)
    if step == FieldStep.FIXED:
        orders.order_fixed(session, ticket, who.username, at)
    return ticket, True
