"""`/v1/do-not-call`: numbers no campaign ever offers to an agent (a customer asked not to be called).

An agent adds a number while the customer is on the line; only supervisors take one off again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import func, select
from starlette.responses import Response

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.campaigns import DncEntry
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.campaign_models import DoNotCallRow
from agent_tui.server.phones import phone_key
from agent_tui.server.problems import ProblemError
from agent_tui.server.store import PageParams

router = APIRouter(prefix="/v1/do-not-call", tags=["campaigns"])

Phone = Annotated[str, Path(min_length=3, max_length=32, description="The number, in any usual spelling.")]


def _entry(row: DoNotCallRow) -> DncEntry:
    return DncEntry(phone=row.phone, reason=row.reason, added_by=row.added_by, added_at=row.added_at)


def _key(phone: str, field: str) -> str:
    key = phone_key(phone)
    if not key:
        raise ProblemError(422, f"{phone!r} is not a phone number", field=field)
    return key


@router.get("")
def list_numbers(_user: CurrentUser, db: Db, paging: PageParams) -> Page[DncEntry]:
    """The do-not-call list, newest first."""
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(DoNotCallRow)).scalar_one()
        rows = session.execute(
            select(DoNotCallRow).order_by(DoNotCallRow.added_at.desc(), DoNotCallRow.phone_key)
            .limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        return Page[DncEntry](items=[_entry(r) for r in rows], total=total, limit=paging.limit,
                              offset=paging.offset)


@router.post("", status_code=201)
def add_number(body: DncEntry, user: CurrentUser, db: Db) -> DncEntry:
    """Put a number on the list (adding it again keeps the first entry)."""
    key = _key(body.phone, "body.phone")
    with db.write() as session:
        row = session.get(DoNotCallRow, key)
        if row is None:
            row = DoNotCallRow(phone_key=key, phone=body.phone, reason=body.reason, added_by=user.username,
                               added_at=utc_now())
            session.add(row)
            session.flush()
        return _entry(row)


@router.delete("/{phone}", status_code=204)
def remove_number(phone: Phone, _user: CurrentUser, db: Db) -> Response:
    """Take a number off the list; 404 when it is not on it."""
    key = _key(phone, "path.phone")
    with db.write() as session:
        row = session.get(DoNotCallRow, key)
        if row is None:
            raise ProblemError(404, f"{phone} is not on the do-not-call list")
        session.delete(row)
    return Response(status_code=204)
