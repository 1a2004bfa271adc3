"""`/v1/customers`: screen-pop lookup, the customer records and their contact history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, or_, select
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
    LookupResult,
)
from agent_tui.server import convert
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.lookup import PHONE_MAX_LENGTH, lookup_service
from agent_tui.server.models import ContactRow, CustomerRow
from agent_tui.server.phones import phone_key
from agent_tui.server.problems import ProblemError
from agent_tui.server.store import PageParams, RowId, set_phones

router = APIRouter(prefix="/v1/customers", tags=["customers"])

NULLABLE = frozenset({"meter"})
"""Customer fields a PATCH may clear."""


@router.get("/lookup", response_model=LookupResult)
async def lookup(
    request: Request,
    phone: Annotated[
        str | None, Query(max_length=PHONE_MAX_LENGTH, description="Caller number (ANI).")
    ] = None,
    account: Annotated[
        str | None, Query(pattern=ACCOUNT_PATTERN, description="Account number (户号).")
    ] = None,
) -> Response:
    """Customers by phone or account, each with the last case, open tickets, area notices and history."""
    # No `CurrentUser` parameter: the app-wide `authorize` dependency has already checked the token
    # and this route's roles (never PUBLIC), and each extra dependency costs the hot path.
    if (phone is None) == (account is None):
        raise ProblemError(422, "give exactly one of phone or account", field="query.phone")
    key = None
    if phone is not None:
        key = phone_key(phone)
        if not key:
            raise ProblemError(422, "no digits in the phone number", field="query.phone")
    # No worker thread of anyio's pool: see `Lookup.answer` for where the lookup runs, and why.
    result = await lookup_service(request).answer(utc_now(), key=key, account=account)
    # Serialised here, once: the screen pop is the hot path and the model is valid by construction.
    return Response(result.model_dump_json(), media_type="application/json")


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
def get_customer(customer_id: RowId, _user: CurrentUser, db: Db) -> Customer:
    """One customer."""
    with db.read() as session:
        return convert.customer(_get(session, customer_id))


@router.patch("/{customer_id}")
def patch_customer(customer_id: RowId, body: CustomerPatch, _user: CurrentUser, db: Db) -> Customer:
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
def history(customer_id: RowId, _user: CurrentUser, db: Db, paging: PageParams) -> Page[ContactRecord]:
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
