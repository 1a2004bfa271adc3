"""`/v1/callbacks`: callers to call back (all busy, voicemail, abandoned); desks claim and close them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.callback_work import CallbackNext, CallbackRelease, CallbackReschedule
from agent_tui.domain.callbacks import Callback, CallbackDone, CallbackStatus
from agent_tui.domain.session import Role
from agent_tui.server import callback_store
from agent_tui.server.auth import AuthUser, CurrentUser, Db
from agent_tui.server.models import CallbackRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.store import PageParams, RowId

router = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])


@router.get("")
def list_callbacks(
    _user: CurrentUser, db: Db, paging: PageParams,
    status: Annotated[CallbackStatus | None, Query(description="Default: open and claimed.")] = None,
    queue: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[Callback]:
    """Callbacks, oldest first (the longest-waiting caller is called back first)."""
    query = select(CallbackRow)
    if status is None:
        query = query.where(CallbackRow.status.in_(callback_store.OPEN_STATES))
    else:
        query = query.where(CallbackRow.status == status.value)
    if queue:
        query = query.where(CallbackRow.queue == queue)
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(CallbackRow.queued_at, CallbackRow.id).limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        return Page[Callback](items=[callback_store.model(session, r) for r in rows], total=total,
                              limit=paging.limit, offset=paging.offset)


def _row(session: Session, callback_id: int) -> CallbackRow:
    row = session.get(CallbackRow, callback_id, with_for_update=True)
    if row is None:
        raise ProblemError(404, f"no callback {callback_id}")
    return row


def _mine_or_supervisor(row: CallbackRow, user: AuthUser) -> None:
    if row.claimed_by not in (None, user.username) and user.role != Role.SUPERVISOR:
        raise ProblemError(409, f"callback {row.id} was claimed by {row.claimed_by}")


@router.post("/next", response_model=Callback,
             responses={204: {"description": "Nothing is due for this desk now."}})
def next_callback(user: CurrentUser, db: Db,
                  body: Annotated[CallbackNext | None, Body()] = None) -> Callback | Response:
    """Claim the next due callback for the caller (oldest first; one already held comes first)."""
    ask = body or CallbackNext()
    with db.write() as session:
        row = callback_store.claim_next(session, user.username, utc_now(), queues=ask.queues, skip=ask.skip)
        if row is None:
            return Response(status_code=204)
        return callback_store.model(session, row)


def _held(session: Session, callback_id: int, user: AuthUser) -> CallbackRow:
    row = _row(session, callback_id)
    if row.status == CallbackStatus.DONE.value:
        raise ProblemError(409, f"callback {callback_id} is already done")
    _mine_or_supervisor(row, user)
    return row


@router.post("/{callback_id}/release")
def release(callback_id: RowId, user: CurrentUser, db: Db,
            body: Annotated[CallbackRelease | None, Body()] = None) -> Callback:
    """Give a callback back (skipped, or an inbound call came first): open again for anyone."""
    with db.write() as session:
        row = _held(session, callback_id, user)
        if row.status == CallbackStatus.CLAIMED.value:
            reason = (body or CallbackRelease()).reason
            callback_store.reopen(session, row, f"released by {user.username}: {reason}".strip(" :"),
                                  row.due_at)
        return callback_store.model(session, row)


@router.post("/{callback_id}/reschedule")
def reschedule(callback_id: RowId, user: CurrentUser, db: Db, body: CallbackReschedule) -> Callback:
    """Call again later: open again, offered from `due_at` on (the note says why)."""
    with db.write() as session:
        row = _held(session, callback_id, user)
        callback_store.reopen(session, row, body.note, body.due_at)
        return callback_store.model(session, row)


@router.post("/{callback_id}/claim")
def claim(callback_id: RowId, user: CurrentUser, db: Db) -> Callback:
    """Take a callback (claiming your own claim again is harmless); 409 when someone else has it."""
    with db.write() as session:
        row = _row(session, callback_id)
        if row.status == CallbackStatus.DONE.value:
            raise ProblemError(409, f"callback {callback_id} is already done")
        if row.claimed_by not in (None, user.username):
            raise ProblemError(409, f"callback {callback_id} was claimed by {row.claimed_by}")
        if row.claimed_by is None:
            row.status, row.claimed_by = CallbackStatus.CLAIMED.value, user.username
            row.claimed_at = utc_now()
            session.flush()
            callback_store.announce(session, row)
        return callback_store.model(session, row)


@router.post("/{callback_id}/done")
def done(callback_id: RowId, user: CurrentUser, db: Db,
         body: Annotated[CallbackDone | None, Body()] = None) -> Callback:
    """Close a callback (claimed by you, unclaimed, or as a supervisor); closing it again is harmless."""
    with db.write() as session:
        row = _row(session, callback_id)
        if row.status != CallbackStatus.DONE.value:
            _mine_or_supervisor(row, user)
            note = (body or CallbackDone()).note
            reached = (body or CallbackDone()).reached
            row.status, row.done_at = CallbackStatus.DONE.value, utc_now()
            row.claimed_by = row.claimed_by or user.username
            row.claimed_at = row.claimed_at or row.done_at
            row.note = (note if reached else f"not reached. {note}".strip())[:200]
            session.flush()
            callback_store.announce(session, row)
        return callback_store.model(session, row)
