"""What every change of a work order does after it is written: judge it, schedule its deadlines, tell.

Both the desk's `PATCH /v1/tickets` and the field API end a change here, so an order moved by either
is timed and escalated alike. `order_fixed` is the one place the "order fixed" step lands.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from agent_tui.domain.events import EventKind
from agent_tui.domain.ticket import Ticket
from agent_tui.server import audit, broker, deadlines
from agent_tui.server.models import TicketRow
from agent_tui.server.settings import ServerSettings
from agent_tui.server.store import load_tickets


def after_change(session: Session, row: TicketRow, now: datetime, settings: ServerSettings) -> Ticket:
    """The order as it now stands; its deadlines rescheduled and a `ticket` event recorded."""
    session.flush()
    ticket = load_tickets(session, [row], now, settings.sla)[0]
    deadlines.schedule(session, ticket, now, settings.escalation.at_risk_ratio)
    ticket_event(session, ticket)
    return ticket


def ticket_event(session: Session, ticket: Ticket) -> None:
    """The `ticket` event of a filed or moved order (everyone's stream)."""
    broker.record(session, EventKind.TICKET, {
        "id": ticket.id, "number": ticket.number, "status": ticket.status.value,
        "customer_id": ticket.customer_id, "assignee": ticket.assignee, "training": ticket.training,
    })


def order_fixed(session: Session, ticket: Ticket, by: str, at: datetime) -> None:
    """Hook: the field reported a repair order fixed (`handled`), in the transaction that recorded it.

    Customer notifications and the return visit start here (their code calls in from this function);
    it audits the fix so the trail shows who reported it and when it happened.
    """
    audit.record(session, by, "order_fixed", detail={"ticket_id": ticket.id, "number": ticket.number,
                                                     "at": at.isoformat(), "filed_by": ticket.created_by})
