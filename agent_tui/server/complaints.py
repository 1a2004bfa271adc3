"""The complaint loop on the backend: one supervisor step at a time, audited and timed against the limits.

A step (`domain.complaints`) moves the complaint along its life cycle, names the department on assign
and leaves a line on the timeline. It ends like every other change of an order (`orders.after_change`):
the deadlines are rescheduled, so a segment met in time raises nothing and an open one still breaches
through the deadline watcher, as repair segments do. Handled starts the aftercare (the customer's
message, the return visit). The audit entry of each step says how the step stands against the complaint
limits of `[sla]`: the segment it ends (assign, handle, close), its limit and due time, and whether it
was in time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_tui.domain.complaints import ComplaintStep, ComplaintStepBody, ComplaintStepRefused, complaint_move
from agent_tui.domain.ticket import SlaDeadline, Ticket, TicketStatus, TicketType
from agent_tui.server import aftercare, audit, orders
from agent_tui.server.auth import AuthUser
from agent_tui.server.models import TicketRow, TimelineRow, UserRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.roles import TicketRight, ticket_right
from agent_tui.server.settings import ServerSettings

AUDIT_ACTIONS: dict[ComplaintStep, str] = {step: f"complaint_{step.value}" for step in ComplaintStep}
"""The audit action of each step (`complaint_assign` …)."""


def check_right(session: Session, row: TicketRow, user: AuthUser) -> None:
    """Supervisors of the filer's team (a supervisor without a team: every team) work the loop."""
    teams: dict[str, str | None] = {name: team for name, team in session.execute(
        select(UserRow.username, UserRow.team).where(UserRow.username.in_([user.username, row.created_by]))
    )}
    right = ticket_right(user.role, user.username, teams.get(user.username), filer=row.created_by,
                         filer_team=teams.get(row.created_by), assignee=row.assignee)
    if right < TicketRight.FULL:
        raise ProblemError(403, f"complaint {row.number} was filed by {row.created_by}, of another team")


def take_step(
    session: Session, row: TicketRow, step: ComplaintStep, body: ComplaintStepBody, user: AuthUser,
    now: datetime, settings: ServerSettings,
) -> Ticket:
    """Apply one step to a complaint; raises ProblemError (403, 409, 422) before changing anything."""
    check_right(session, row, user)
    current = TicketStatus(row.status)
    try:
        target = complaint_move(TicketType(row.ticket_type), current, step)
    except ComplaintStepRefused as refused:
        raise ProblemError(409, refused.reason, field="path.step") from None
    if step == ComplaintStep.ASSIGN and not body.department:
        raise ProblemError(422, "say which department handles the complaint", field="body.department")
    if step != ComplaintStep.ASSIGN and body.department is not None:
        raise ProblemError(422, "only assign names a department", field="body.department")
    if step == ComplaintStep.ASSIGN:
        row.assignee = body.department
    note = f"{body.department}: {body.note}".rstrip(": ") if body.department else body.note
    row.status = target.value
    row.updated_at = now
    session.add(TimelineRow(ticket_id=row.id, status=target.value, at=now, by=user.username, note=note[:200]))
    aftercare.status_changed(session, row, current, settings)  # handled: tell the customer, return visit
    ticket = orders.after_change(session, row, now, settings)
    audit.record(session, user.username, AUDIT_ACTIONS[step], agent=row.created_by,
                 detail=_audit_detail(ticket, step, body))
    return ticket


def _audit_detail(ticket: Ticket, step: ComplaintStep, body: ComplaintStepBody) -> dict[str, Any]:
    detail: dict[str, Any] = {"ticket_id": ticket.id, "number": ticket.number, "status": ticket.status.value,
                              "note": body.note}
    if body.department:
        detail["department"] = body.department
    timed = _segment_ended(ticket.deadlines, ticket.status)
    if timed is not None:
        detail.update(segment=timed.segment, limit_minutes=timed.limit_minutes, in_time=not timed.breached,
                      due_at=timed.due_at.isoformat() if timed.due_at else None)
    return detail


def _segment_ended(deadlines: list[SlaDeadline], status: TicketStatus) -> SlaDeadline | None:
    """The complaint limit a step to `status` ends (inform ends none: it has no limit of its own)."""
    return next((d for d in deadlines if d.end == status and d.met_at is not None), None)
