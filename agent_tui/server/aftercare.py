"""What happens after an order is filed or fixed: the customer is told, and a return visit falls due.

The two hooks, `order_filed` and `order_fixed`, are the one place these consequences start from:
the tickets router calls them today, and the field API (fixed reported by a field team) calls
`order_fixed` too. They run inside the caller's write transaction, so the messages and the return
visit are stored together with the status change or not at all; the sending happens later, from the
queue (`notifications`), so a slow gateway never holds up the agent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.return_visits import ReturnVisitStatus
from agent_tui.domain.ticket import FLOWS, ReturnVisit, TicketStatus, TicketType
from agent_tui.server import notifications, orders
from agent_tui.server.aftercare_models import ReturnVisitRow
from agent_tui.server.models import TicketRow, TimelineRow
from agent_tui.server.settings import ServerSettings

FIXED = TicketStatus.HANDLED
"""The status of an order that was fixed (repair) or handled (complaint)."""

OPEN_VISITS = (ReturnVisitStatus.DUE.value, ReturnVisitStatus.CLAIMED.value)


def visited_types() -> frozenset[TicketType]:
    """The order types whose life cycle has a return visit (repair and complaint)."""
    return frozenset(t for t, flow in FLOWS.items() if TicketStatus.VISITED in flow)


def order_filed(session: Session, ticket: TicketRow, settings: ServerSettings) -> None:
    """A new order: queue the customer's messages with its number (training orders: nothing)."""
    if ticket.training:
        return
    notifications.enqueue(session, ticket, "filed", settings.notify)


def order_fixed(session: Session, ticket: TicketRow, settings: ServerSettings, *, at: datetime | None = None
                ) -> None:
    """An order fixed or handled: tell the customer, and make its return visit fall due.

    Call it once the ticket's status is `handled` (in the same transaction). A return visit already
    open for the order is kept, not doubled.
    """
    if ticket.training:
        return
    now = at or utc_now()
    if TicketType(ticket.ticket_type) not in visited_types():
        return
    notifications.enqueue(session, ticket, "fixed", settings.notify)
    already = session.execute(
        select(ReturnVisitRow.id).where(ReturnVisitRow.ticket_id == ticket.id,
                                        ReturnVisitRow.status.in_(OPEN_VISITS))
    ).first()
    if already is None:
        session.add(ReturnVisitRow(
            ticket_id=ticket.id, status=ReturnVisitStatus.DUE.value, attempts=0, last_note="",
            due_at=now + timedelta(minutes=settings.return_visits.delay_min), created_at=now,
        ))
        session.flush()


def status_changed(session: Session, ticket: TicketRow, before: TicketStatus, settings: ServerSettings
                   ) -> None:
    """The hook of a status move made anywhere: a move to `handled` is `order_fixed`."""
    if TicketStatus(ticket.status) == FIXED and before != FIXED:
        order_fixed(session, ticket, settings)


def record_result(session: Session, ticket: TicketRow, result: ReturnVisit, by: str, now: datetime,
                  settings: ServerSettings) -> None:
    """The customer's opinion: the order is visited, then closed, or reopened when not resolved.

    Reopened, it goes back to the first step after filing (issued for a repair, assigned for a
    complaint), as a recalled order does, so it is worked and fixed again, and visited again after.
    """
    ticket.return_visit = result.model_dump(mode="json")
    _move(session, ticket, TicketStatus.VISITED, by, now, "")
    if result.resolved:
        _move(session, ticket, TicketStatus.CLOSED, by, now, "closed after the return visit")
    else:
        again = FLOWS[TicketType(ticket.ticket_type)][1]
        _move(session, ticket, again, by, now, "reopened: not resolved on the return visit")
    ticket.updated_at = now
    orders.after_change(session, ticket, now, settings)  # deadlines of a reopened order, the ticket event


def _move(session: Session, ticket: TicketRow, status: TicketStatus, by: str, now: datetime, note: str
          ) -> None:
    ticket.status = status.value
    session.add(TimelineRow(ticket_id=ticket.id, status=status.value, at=now, by=by, note=note))
