"""`/v1/tickets`: work orders with Idempotency-Key on writes, validated status moves and SLA deadlines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.sla import SlaLimits
from agent_tui.domain.ticket import (
    Ticket,
    TicketCreate,
    TicketPatch,
    TicketStatus,
    TicketType,
    allowed_transitions,
)
from agent_tui.server import aftercare, audit, idempotency, orders, screens
from agent_tui.server.auth import AuthUser, CurrentUser, Db
from agent_tui.server.db import Database
from agent_tui.server.deps import Settings
from agent_tui.server.models import CustomerPhoneRow, CustomerRow, TicketRow, TimelineRow, UserRow
from agent_tui.server.phones import phone_key
from agent_tui.server.problems import ProblemError
from agent_tui.server.roles import TicketRight, ticket_right
from agent_tui.server.settings import ServerSettings
from agent_tui.server.store import MAX_ROW_ID, PageParams, RowId, load_tickets

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

async def _sla_limits(request: Request) -> SlaLimits:
    settings: ServerSettings = request.app.state.settings
    return settings.sla


Limits = Annotated[SlaLimits, Depends(_sla_limits)]
"""The SLA limits of the server's settings, which every ticket's deadlines are judged against."""

IdemKey = Annotated[
    str | None,
    Header(alias=idempotency.HEADER, max_length=200,
           description="Same key and body: the first answer again; same key, other body: 409."),
]


@router.post("", status_code=201, response_model=Ticket, responses={409: {"description": "Key reused"}})
def create_ticket(
    body: TicketCreate, request: Request, user: CurrentUser, db: Db, settings: Settings, key: IdemKey = None
) -> Response:
    """Open a work order."""
    print_, replayed = idempotency.begin(db, key, user.username, "POST", request.url.path, body)
    if replayed is not None:
        return replayed
    try:
        return _create(db, body, user, key, print_, settings)
    except IntegrityError as error:
        # Another request with the same key won the race: answer what it answered.
        return idempotency.after_race(db, key, user.username, print_, error)


def _create(
    db: Database, body: TicketCreate, user: AuthUser, key: str | None, print_: str, settings: ServerSettings
) -> Response:
    now = utc_now()
    with db.write() as session:
        if body.customer_id is not None and session.get(CustomerRow, body.customer_id) is None:
            raise ProblemError(422, f"no customer {body.customer_id}", field="body.customer_id")
        version = screens.filed_version(session, body.screen_id, body.screen_version)
        row = TicketRow(
            **body.model_dump(exclude={"screen_version"}), screen_version=version, number="",
            status=TicketStatus.CREATED.value, created_by=user.username,
            assignee=None, created_at=now, updated_at=now, return_visit=None,
        )
        session.add(row)
        session.flush()
        row.number = f"GD{now:%Y%m%d}{row.id:06d}"
        entry = TimelineRow(ticket_id=row.id, status=TicketStatus.CREATED.value, at=now, by=user.username,
                            note="")
        session.add(entry)
        session.flush()
        aftercare.order_filed(session, row, settings)
        ticket = orders.after_change(session, row, now, settings)
        text = ticket.model_dump_json()
        if key is not None:
            idempotency.remember(session, key, user.username, print_, row.id, 201, text)
    return Response(text, status_code=201, media_type="application/json",
                    headers={"Location": f"/v1/tickets/{ticket.id}"})


@router.get("")
def list_tickets(
    _user: CurrentUser,
    db: Db,
    paging: PageParams,
    limits: Limits,
    customer: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID, description="Customer id.")] = None,
    status: Annotated[list[TicketStatus] | None, Query(description="One or more statuses.")] = None,
    ticket_type: Annotated[TicketType | None, Query(alias="type")] = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    created_by: Annotated[str | None, Query(max_length=64)] = None,
    training: Annotated[bool, Query(description="Training tickets instead of real ones (never mixed).")]
    = False,
    number: Annotated[str | None, Query(
        min_length=1, max_length=32, description="Exact ticket number, e.g. `GD20261122000123`.")] = None,
    phone: Annotated[str | None, Query(
        min_length=1, max_length=40,
        description="A phone number of the ticket's customer, as typed (`+86 138-0013-8000` matches "
        "`13800138000`).")] = None,
    account: Annotated[str | None, Query(
        min_length=1, max_length=20, description="Exact account number (户号) of the ticket's customer.")]
    = None,
) -> Page[Ticket]:
    """Tickets, newest first, filtered by the parameters given; training tickets only when asked.

    Filters combine (all must hold). A value that matches nothing gives an empty page, never every ticket.
    """
    query = search_query(number=number, phone=phone, account=account)
    if customer is not None:
        query = query.where(TicketRow.customer_id == customer)
    if status:
        query = query.where(TicketRow.status.in_([s.value for s in status]))
    if ticket_type is not None:
        query = query.where(TicketRow.ticket_type == ticket_type.value)
    if assignee is not None:
        query = query.where(TicketRow.assignee == assignee)
    if created_by is not None:
        query = query.where(TicketRow.created_by == created_by)
    query = query.where(TicketRow.training.is_(training))
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(TicketRow.id.desc()).limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        items = load_tickets(session, rows, utc_now(), limits)
    return Page[Ticket](items=items, total=total, limit=paging.limit, offset=paging.offset)


def search_query(*, number: str | None, phone: str | None, account: str | None) -> Select[TicketRow]:
    """Tickets with this number, of a customer with this phone and this account (each when given)."""
    query = select(TicketRow)
    if number is not None:
        query = query.where(TicketRow.number == number.strip().upper())
    if phone is not None:
        # A number with no digits is a key that matches nobody (the empty key is stored for nobody).
        key = phone_key(phone) or "-"
        query = query.where(TicketRow.customer_id.in_(
            select(CustomerPhoneRow.customer_id).where(CustomerPhoneRow.phone_key == key)))
    if account is not None:
        query = query.where(TicketRow.customer_id.in_(
            select(CustomerRow.id).where(CustomerRow.account == account.strip())))
    return query


def _get(session: Session, ticket_id: int) -> TicketRow:
    row = session.get(TicketRow, ticket_id)
    if row is None:
        raise ProblemError(404, f"no ticket {ticket_id}")
    return row


@router.get("/{ticket_id}")
def get_ticket(ticket_id: RowId, _user: CurrentUser, db: Db, limits: Limits) -> Ticket:
    """One ticket with its timeline and SLA deadlines as of now."""
    with db.read() as session:
        return load_tickets(session, [_get(session, ticket_id)], utc_now(), limits)[0]


def _check_right(session: Session, row: TicketRow, body: TicketPatch, user: AuthUser) -> None:
    """The `PATCH /v1/tickets` rule of `roles.WRITE_RULES`; another's ticket changed in full is audited."""
    teams: dict[str, str | None] = {name: team for name, team in session.execute(
        select(UserRow.username, UserRow.team).where(UserRow.username.in_([user.username, row.created_by]))
    )}
    right = ticket_right(user.role, user.username, teams.get(user.username), filer=row.created_by,
                         filer_team=teams.get(row.created_by), assignee=row.assignee)
    if right == TicketRight.NONE:
        raise ProblemError(403, f"ticket {row.id} is {row.created_by}'s, of another team")
    rewrites = [name for name in ("assignee", "description") if getattr(body, name) is not None]
    if rewrites and right < TicketRight.FULL:
        raise ProblemError(403, f"only the filer or a supervisor of the filer's team may change "
                           f"{' and '.join(rewrites)} of ticket {row.id}", field=f"body.{rewrites[0]}")
    if user.username != row.created_by and right == TicketRight.FULL:
        fields = ", ".join(sorted(body.model_dump(exclude_none=True)))
        audit.record(session, user.username, "ticket_corrected", agent=row.created_by,
                     detail={"ticket": row.id, "fields": fields})


@router.patch("/{ticket_id}", response_model=Ticket, responses={409: {"description": "Not allowed now"}})
def patch_ticket(
    ticket_id: RowId, body: TicketPatch, request: Request, user: CurrentUser, db: Db, settings: Settings,
    key: IdemKey = None,
) -> Response:
    """Move the status (checked against the type's life cycle), assign, add a note or the return visit."""
    print_, replayed = idempotency.begin(db, key, user.username, "PATCH", request.url.path, body)
    if replayed is not None:
        return replayed
    now = utc_now()
    try:
        with db.write() as session:
            row = _get(session, ticket_id)
            _check_right(session, row, body, user)
            current = TicketStatus(row.status)
            if body.status is not None:
                allowed = allowed_transitions(TicketType(row.ticket_type), current)
                if body.status not in allowed:
                    names = ", ".join(sorted(s.value for s in allowed)) or "none: it is final"
                    raise ProblemError(
                        409, f"a {row.ticket_type} ticket cannot go from {current.value} to "
                        f"{body.status.value} (allowed: {names})", field="body.status",
                    )
                row.status = body.status.value
                session.add(TimelineRow(ticket_id=row.id, status=body.status.value, at=now, by=user.username,
                                        note=body.note))
            elif body.note:
                session.add(TimelineRow(ticket_id=row.id, status=current.value, at=now, by=user.username,
                                        note=body.note))
            if body.assignee is not None:
                row.assignee = body.assignee
            if body.description is not None:
                row.description = body.description
            if body.return_visit is not None:
                visit = body.return_visit.model_copy(
                    update={"at": body.return_visit.at or now, "by": body.return_visit.by or user.username}
                )
                row.return_visit = visit.model_dump(mode="json")
            row.updated_at = now
            aftercare.status_changed(session, row, current, settings)
            ticket = orders.after_change(session, row, now, settings)
            text = ticket.model_dump_json()
            if key is not None:
                idempotency.remember(session, key, user.username, print_, row.id, 200, text)
    except IntegrityError as error:
        return idempotency.after_race(db, key, user.username, print_, error)
    return Response(text, status_code=200, media_type="application/json")
