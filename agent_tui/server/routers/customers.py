"""`/v1/customers`: screen-pop lookup, the customer records and their contact history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.customer import (
    ACCOUNT_PATTERN,
    ContactRecord,
    Customer,
    CustomerCreate,
    CustomerPatch,
    LookupMatch,
    LookupResult,
)
from agent_tui.domain.ticket import TicketStatus
from agent_tui.server import convert
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.models import (
    ContactRow,
    CustomerPhoneRow,
    CustomerRow,
    NoticeRow,
    TicketRow,
    UtcDateTime,
)
from agent_tui.server.phones import phone_key
from agent_tui.server.problems import ProblemError
from agent_tui.server.store import PageParams, load_tickets, set_phones

router = APIRouter(prefix="/v1/customers", tags=["customers"])

MAX_MATCHES = 10
HISTORY_ON_POP = 5
NULLABLE = frozenset({"meter"})
"""Customer fields a PATCH may clear."""
CLOSED = (TicketStatus.CLOSED.value, TicketStatus.CANCELLED.value)


@router.get("/lookup", response_model=LookupResult)
def lookup(
    _user: CurrentUser,
    db: Db,
    phone: Annotated[str | None, Query(max_length=40, description="Caller number (ANI).")] = None,
    account: Annotated[
        str | None, Query(pattern=ACCOUNT_PATTERN, description="Account number (户号).")
    ] = None,
) -> Response:
    """Customers by phone or account, each with the last case, open tickets, area notices and history."""
    if (phone is None) == (account is None):
        raise ProblemError(422, "give exactly one of phone or account", field="query.phone")
    with db.read() as session:
        if phone is not None:
            key = phone_key(phone)
            if not key:
                raise ProblemError(422, "no digits in the phone number", field="query.phone")
            customers = session.execute(_BY_PHONE, {"key": key}).scalars().all()
        else:
            customers = session.execute(_BY_ACCOUNT, {"account": account}).scalars().all()
        result = LookupResult(matches=_matches(session, customers))
    # Serialised here, once: the screen pop is the hot path and the model is valid by construction.
    return Response(result.model_dump_json(), media_type="application/json")


# The screen pop's statements are built once: building a statement costs more than running it.
_BY_PHONE = (
    select(CustomerRow)
    .where(CustomerRow.id.in_(
        select(CustomerPhoneRow.customer_id).where(CustomerPhoneRow.phone_key == bindparam("key"))
    ))
    .order_by(CustomerRow.id)
    .limit(MAX_MATCHES)
)
_BY_ACCOUNT = select(CustomerRow).where(CustomerRow.account == bindparam("account"))
_OPEN_TICKETS = (
    select(TicketRow)
    .where(TicketRow.customer_id.in_(bindparam("ids", expanding=True)), TicketRow.status.not_in(CLOSED),
           TicketRow.training.is_(False))
    .order_by(TicketRow.id.desc())
    .limit(50)
)
_NOTICES = (
    select(NoticeRow)
    .where(NoticeRow.area.in_(bindparam("areas", expanding=True)),
           or_(NoticeRow.ends_at.is_(None), NoticeRow.ends_at > bindparam("now", type_=UtcDateTime())))
    .order_by(NoticeRow.starts_at)
)
_HISTORY = (
    select(ContactRow)
    .where(ContactRow.customer_id == bindparam("customer_id"))
    .order_by(ContactRow.at.desc(), ContactRow.id.desc())
    .limit(HISTORY_ON_POP)
)


def _matches(session: Session, customers: Sequence[CustomerRow]) -> list[LookupMatch]:
    if not customers:
        return []
    now = utc_now()
    ids = [c.id for c in customers]
    tickets = session.execute(_OPEN_TICKETS, {"ids": ids}).scalars().all()
    loaded = load_tickets(session, tickets, now)
    areas = sorted({c.area for c in customers if c.area})
    notices = session.execute(_NOTICES, {"areas": areas, "now": now}).scalars().all() if areas else []
    matches = []
    for row in customers:
        history = [convert.contact(c) for c in session.execute(_HISTORY, {"customer_id": row.id}).scalars()]
        matches.append(
            LookupMatch(
                customer=convert.customer(row),
                last_case=history[0] if history else None,
                open_tickets=[t for t in loaded if t.customer_id == row.id],
                notices=[convert.notice(n) for n in notices if n.area == row.area],
                history=history,
            )
        )
    return matches


@router.get("")
def list_customers(
    _user: CurrentUser,
    db: Db,
    paging: PageParams,
    q: Annotated[str | None, Query(max_length=100, description="Part of a name or account number.")] = None,
    area: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[Customer]:
    """Customers, by id, optionally filtered."""
    query = select(CustomerRow)
    if q:
        pattern = f"%{_escape_like(q)}%"
        query = query.where(or_(CustomerRow.name.like(pattern, escape="\\"),
                                CustomerRow.account.like(pattern, escape="\\")))
    if area:
        query = query.where(CustomerRow.area == area)
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(CustomerRow.id).limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        return Page[Customer](items=[convert.customer(r) for r in rows], total=total,
                              limit=paging.limit, offset=paging.offset)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@router.post("", status_code=201)
def create_customer(body: CustomerCreate, _user: CurrentUser, db: Db) -> Customer:
    """Add a customer; the account number must be new (409 otherwise)."""
    now = utc_now()
    try:
        with db.write() as session:
            row = CustomerRow(**body.model_dump(), last_agent=None, created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            set_phones(session, row.id, body.phones)
    except IntegrityError as exc:
        raise ProblemError(409, f"account {body.account} exists already", field="body.account") from exc
    return convert.customer(row)


def _get(session: Session, customer_id: int) -> CustomerRow:
    row = session.get(CustomerRow, customer_id)
    if row is None:
        raise ProblemError(404, f"no customer {customer_id}")
    return row


@router.get("/{customer_id}")
def get_customer(customer_id: int, _user: CurrentUser, db: Db) -> Customer:
    """One customer."""
    with db.read() as session:
        return convert.customer(_get(session, customer_id))


@router.patch("/{customer_id}")
def patch_customer(customer_id: int, body: CustomerPatch, _user: CurrentUser, db: Db) -> Customer:
    """Change the fields given."""
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in NULLABLE:
            raise ProblemError(422, "may not be null", field=f"body.{name}")
    with db.write() as session:
        row = _get(session, customer_id)
        for name, value in changes.items():
            setattr(row, name, value)
        row.updated_at = utc_now()
        if "phones" in changes:
            set_phones(session, row.id, changes["phones"])
        session.flush()
        return convert.customer(row)


@router.get("/{customer_id}/history")
def history(customer_id: int, _user: CurrentUser, db: Db, paging: PageParams) -> Page[ContactRecord]:
    """The customer's contacts, newest first."""
    with db.read() as session:
        _get(session, customer_id)
        total = session.execute(
            select(func.count()).select_from(ContactRow).where(ContactRow.customer_id == customer_id)
        ).scalar_one()
        rows = session.execute(
            select(ContactRow)
            .where(ContactRow.customer_id == customer_id)
            .order_by(ContactRow.at.desc(), ContactRow.id.desc())
            .limit(paging.limit)
            .offset(paging.offset)
        ).scalars().all()
        return Page[ContactRecord](items=[convert.contact(r) for r in rows], total=total,
                                   limit=paging.limit, offset=paging.offset)
