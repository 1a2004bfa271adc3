"""`/v1/return-visits`: the desk's return-visit (回访) list; claim one, record a failed call or the result.

One agent at a time works a visit (claimed like a callback: 409 names the holder; supervisors may
act on anyone's). An unreachable customer is tried again later, up to the configured count, then
the visit is given up and listed for supervisors. The result closes the order, or reopens it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.return_visits import ReturnVisitAttempt, ReturnVisitItem, ReturnVisitStatus
from agent_tui.domain.session import Role
from agent_tui.domain.ticket import ReturnVisit, TicketStatus, TicketType
from agent_tui.server import aftercare
from agent_tui.server.aftercare_models import ReturnVisitRow
from agent_tui.server.auth import AuthUser, CurrentUser, Db
from agent_tui.server.deps import Settings
from agent_tui.server.models import CustomerRow, TicketRow
from agent_tui.server.notifications import address_of
from agent_tui.server.problems import ProblemError
from agent_tui.server.settings import ServerSettings
from agent_tui.server.store import PageParams, RowId

router = APIRouter(prefix="/v1/return-visits", tags=["return visits"])

V = ReturnVisitStatus


def item(session: Session, row: ReturnVisitRow) -> ReturnVisitItem:
    """A visit as the list shows it (with the order's number and the customer to call)."""
    ticket = session.get(TicketRow, row.ticket_id)
    assert ticket is not None  # the visit is deleted with its ticket
    name = None
    if ticket.customer_id is not None:
        name = session.execute(
            select(CustomerRow.name).where(CustomerRow.id == ticket.customer_id)
        ).scalar_one_or_none()
    return ReturnVisitItem(
        id=row.id, ticket_id=ticket.id, number=ticket.number, ticket_type=TicketType(ticket.ticket_type),
        customer_id=ticket.customer_id, customer_name=name, phone=address_of(session, ticket, "sms"),
        status=V(row.status), due_at=row.due_at, attempts=row.attempts, claimed_by=row.claimed_by,
        claimed_at=row.claimed_at, last_note=row.last_note, done_at=row.done_at,
        result=ReturnVisit.model_validate(row.result) if row.result else None,
    )


def _page(db: Db, paging: PageParams, statuses: tuple[str, ...], due_only: bool) -> Page[ReturnVisitItem]:
    query = select(ReturnVisitRow).where(ReturnVisitRow.status.in_(statuses))
    # An order cancelled (or closed another way) while its visit was open needs no call any more.
    ended = (TicketStatus.CLOSED.value, TicketStatus.CANCELLED.value)
    live = select(TicketRow.id).where(TicketRow.status.not_in(ended))
    query = query.where(ReturnVisitRow.ticket_id.in_(live))
    if due_only:
        query = query.where(ReturnVisitRow.due_at <= utc_now())
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(ReturnVisitRow.due_at, ReturnVisitRow.id).limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        return Page[ReturnVisitItem](items=[item(session, r) for r in rows], total=total,
                                     limit=paging.limit, offset=paging.offset)


@router.get("")
def list_visits(
    _user: CurrentUser, db: Db, paging: PageParams,
    due_only: Annotated[bool, Query(description="Only those due now (default: every open one).")] = False,
) -> Page[ReturnVisitItem]:
    """Open return visits (due or claimed), the one due first at the top."""
    return _page(db, paging, aftercare.OPEN_VISITS, due_only)


@router.get("/given-up")
def given_up(_user: CurrentUser, db: Db, paging: PageParams) -> Page[ReturnVisitItem]:
    """Visits given up after the customer was unreachable too often, for supervisors to decide on."""
    return _page(db, paging, (V.GIVEN_UP.value,), False)


def _row(session: Session, visit_id: int) -> ReturnVisitRow:
    row = session.get(ReturnVisitRow, visit_id, with_for_update=True)
    if row is None:
        raise ProblemError(404, f"no return visit {visit_id}")
    if row.status in (V.DONE.value, V.GIVEN_UP.value):
        raise ProblemError(409, f"return visit {visit_id} is already {row.status.replace('_', ' ')}")
    return row


def _mine_or_supervisor(row: ReturnVisitRow, user: AuthUser) -> None:
    if row.claimed_by not in (None, user.username) and user.role != Role.SUPERVISOR:
        raise ProblemError(409, f"return visit {row.id} was claimed by {row.claimed_by}")


@router.post("/{visit_id}/claim")
def claim(visit_id: RowId, user: CurrentUser, db: Db) -> ReturnVisitItem:
    """Take a visit to call the customer (your own claim again is harmless); 409 names another holder."""
    with db.write() as session:
        row = _row(session, visit_id)
        if row.claimed_by not in (None, user.username):
            raise ProblemError(409, f"return visit {visit_id} was claimed by {row.claimed_by}")
        if row.claimed_by is None:
            row.status, row.claimed_by, row.claimed_at = V.CLAIMED.value, user.username, utc_now()
            session.flush()
        return item(session, row)


@router.post("/{visit_id}/attempts")
def unreachable(
    visit_id: RowId, request: Request, user: CurrentUser, db: Db,
    body: Annotated[ReturnVisitAttempt | None, Body()] = None,
) -> ReturnVisitItem:
    """The customer could not be reached: due again later, or given up after the configured count."""
    settings: ServerSettings = request.app.state.settings
    now = utc_now()
    with db.write() as session:
        row = _row(session, visit_id)
        _mine_or_supervisor(row, user)
        row.attempts += 1
        row.last_note = (body or ReturnVisitAttempt()).note or "unreachable"
        row.claimed_by, row.claimed_at = None, None
        if row.attempts >= settings.return_visits.max_attempts:
            row.status, row.done_at, row.done_by = V.GIVEN_UP.value, now, user.username
        else:
            row.status = V.DUE.value
            row.due_at = now + timedelta(minutes=settings.return_visits.retry_min)
        session.flush()
        return item(session, row)


@router.post("/{visit_id}/result")
def result(
    visit_id: RowId, body: ReturnVisit, user: CurrentUser, db: Db, settings: Settings,
) -> ReturnVisitItem:
    """The customer's opinion: the order closes when resolved, and is reopened when not."""
    now = utc_now()
    opinion = body.model_copy(update={"at": now, "by": user.username})
    with db.write() as session:
        row = _row(session, visit_id)
        _mine_or_supervisor(row, user)
        ticket = session.get(TicketRow, row.ticket_id, with_for_update=True)
        assert ticket is not None
        if ticket.status in (TicketStatus.CLOSED.value, TicketStatus.CANCELLED.value):
            raise ProblemError(409, f"order {ticket.number} is already {ticket.status}")
        row.status, row.done_at, row.done_by = V.DONE.value, now, user.username
        row.claimed_by = row.claimed_by or user.username
        row.claimed_at = row.claimed_at or now
        row.result = opinion.model_dump(mode="json")
        aftercare.record_result(session, ticket, opinion, user.username, now, settings)
        return item(session, row)
