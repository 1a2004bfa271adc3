"""`/v1/order-alerts` and `/v1/orders/{number}/timeline`: escalations and an order's time points."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import func, select

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.escalation import OrderAlert, OrderTimeline, TimePoint
from agent_tui.domain.sla import OrderAlertLevel
from agent_tui.domain.ticket import TicketStatus, TicketType
from agent_tui.server import field
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.convert import status_changes
from agent_tui.server.deadlines import alert_model
from agent_tui.server.deps import Settings
from agent_tui.server.models import TicketRow
from agent_tui.server.order_models import OrderAlertRow
from agent_tui.server.store import PageParams, load_tickets

router = APIRouter(tags=["escalation"])

S = TicketStatus
POINTS = (("A", S.CREATED), ("B", S.ISSUED), ("C", S.RECEIVED), ("D", S.FORWARDED), ("E", S.DISPATCHED),
          ("F", S.ACCEPTED), ("G", S.DEPARTED), ("H", S.ON_SITE))
"""The lettered time points of a repair order (DOMAIN.md)."""


@router.get("/v1/order-alerts")
def list_alerts(
    _user: CurrentUser, db: Db, paging: PageParams,
    level: Annotated[OrderAlertLevel | None, Query(description="`at_risk` or `breached`.")] = None,
    segment: Annotated[str | None, Query(min_length=1, max_length=20, description="e.g. `DE`, `accept`.")]
    = None,
    number: Annotated[str | None, Query(min_length=1, max_length=32, description="One order's alerts.")]
    = None,
    open_only: Annotated[bool, Query(alias="open", description="Only alerts of orders not closed or "
                                     "cancelled (the monitor's orders panel).")] = False,
) -> Page[OrderAlert]:
    """Order alerts the deadline watcher raised, newest first, filtered by level, segment and order."""
    query = select(OrderAlertRow)
    if open_only:
        ended = (TicketStatus.CLOSED.value, TicketStatus.CANCELLED.value)
        query = query.where(OrderAlertRow.ticket_id.in_(
            select(TicketRow.id).where(TicketRow.status.not_in(ended))))
    if level is not None:
        query = query.where(OrderAlertRow.level == level.value)
    if segment is not None:
        query = query.where(OrderAlertRow.segment == segment)
    if number is not None:
        query = query.where(OrderAlertRow.number == number.strip().upper())
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(query.order_by(OrderAlertRow.raised_at.desc(), OrderAlertRow.id.desc())
                               .limit(paging.limit).offset(paging.offset)).scalars().all()
    return Page[OrderAlert](items=[alert_model(r) for r in rows], total=total, limit=paging.limit,
                            offset=paging.offset)


@router.get("/v1/orders/{number}/timeline")
def order_timeline(
    number: Annotated[str, Path(min_length=1, max_length=32)], _user: CurrentUser, db: Db, settings: Settings,
) -> OrderTimeline:
    """An order's A–H time points (repair orders), SLA marks as of now and its alerts, newest first."""
    with db.read() as session:
        row = field.order_by_number(session, number)
        ticket = load_tickets(session, [row], utc_now(), settings.sla)[0]
        alerts = session.execute(select(OrderAlertRow).where(OrderAlertRow.ticket_id == row.id)
                                 .order_by(OrderAlertRow.raised_at.desc(), OrderAlertRow.id.desc())
                                 ).scalars().all()
    reached = {entry.status: entry.at for entry in status_changes(ticket.timeline)}
    points = ([TimePoint(point=p, status=s, at=reached.get(s)) for p, s in POINTS]
              if ticket.ticket_type == TicketType.REPAIR else [])
    return OrderTimeline(id=ticket.id, number=ticket.number, ticket_type=ticket.ticket_type,
                         status=ticket.status, created_by=ticket.created_by, points=points,
                         deadlines=ticket.deadlines, alerts=[alert_model(a) for a in alerts])
