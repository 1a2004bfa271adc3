"""`/v1/field`: the API of repair-centre and field-team systems (role `field`); see docs/field-api.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.ticket import FieldReport, FieldStep, Ticket, TicketStatus, TicketType
from agent_tui.server import field, idempotency
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Settings
from agent_tui.server.models import TicketRow
from agent_tui.server.store import PageParams, load_tickets

router = APIRouter(prefix="/v1/field", tags=["field"])

OrderNumber = Annotated[str, Path(min_length=1, max_length=32, description="The order's number.")]
IdemKey = Annotated[
    str | None,
    Header(alias=idempotency.HEADER, max_length=200,
           description="Same key and body: the first answer again; same key, other body: 409."),
]


@router.get("/orders")
def list_orders(
    user: CurrentUser, db: Db, settings: Settings, paging: PageParams,
    status: Annotated[list[TicketStatus] | None, Query(description="One or more statuses.")] = None,
    mine: Annotated[bool, Query(description="Only orders held by the caller's team.")] = False,
) -> Page[Ticket]:
    """Repair orders for the field, oldest first: by default those issued and waiting to be received."""
    wanted = [s.value for s in status] if status else [TicketStatus.ISSUED.value]
    query = select(TicketRow).where(TicketRow.ticket_type == TicketType.REPAIR.value,
                                    TicketRow.training.is_(False), TicketRow.status.in_(wanted))
    with db.read() as session:
        if mine:
            who = field.reporter(session, user.id, user.username)
            query = query.where(TicketRow.field_team == who.team) if who.team else query.where(
                TicketRow.field_team.is_(None))
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(TicketRow.id).limit(paging.limit).offset(paging.offset)).scalars().all()
        items = load_tickets(session, rows, utc_now(), settings.sla)
    return Page[Ticket](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/orders/{number}")
def get_order(number: OrderNumber, _user: CurrentUser, db: Db, settings: Settings) -> Ticket:
    """One repair order with its timeline and SLA deadlines as of now."""
    with db.read() as session:
        return load_tickets(session, [field.order_by_number(session, number)], utc_now(), settings.sla)[0]


@router.post("/orders/{number}/{step}", response_model=Ticket, responses={
    403: {"description": "Another team holds the order"}, 404: {"description": "No such order"},
    409: {"description": "The step does not follow, or the key was used with another body"},
    422: {"description": "A bad time, or a recall without a reason"}})
def report_step(
    number: OrderNumber, step: FieldStep, body: FieldReport, request: Request, user: CurrentUser, db: Db,
    settings: Settings, key: IdemKey = None,
) -> Response:
    """Report one step of an order (receive … fixed, or recall) with the time it happened."""
    print_, replayed = idempotency.begin(db, key, user.username, "POST", request.url.path, body)
    if replayed is not None:
        return replayed
    now = utc_now()
    try:
        with db.write() as session:
            who = field.reporter(session, user.id, user.username)
            row = field.order_by_number(session, number, lock=True)
            ticket, _changed = field.report_step(session, row, step, body, who, now, settings)
            text = ticket.model_dump_json()
            if key is not None:
                idempotency.remember(session, key, user.username, print_, row.id, 200, text)
    except IntegrityError as error:
        return idempotency.after_race(db, key, user.username, print_, error)
    return Response(text, status_code=200, media_type="application/json")
