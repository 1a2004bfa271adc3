"""`/v1/callbacks`: callers to call back (all busy, voicemail, abandoned); desks claim and close them.

A desk's release, reschedule and close may come again (its outbox retries a write whose answer was
lost, with the same Idempotency-Key): the retry gets the first answer and changes nothing, even when
another agent took the callback in between.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.callback_work import CallbackNext, CallbackRelease, CallbackReschedule
from agent_tui.domain.callbacks import Callback, CallbackDone, CallbackStatus
from agent_tui.domain.session import Role
from agent_tui.server import callback_store, idempotency
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


@router.post("/{callback_id}/release", response_model=Callback)
def release(callback_id: RowId, user: CurrentUser, db: Db, request: Request,
            body: Annotated[CallbackRelease | None, Body()] = None,
            key: idempotency.KeyHeader = None) -> Response:
    """Give a callback back (skipped, or an inbound call came first): open again for anyone."""
    ask = body or CallbackRelease()

    def write(session: Session) -> tuple[int, Callback]:
        row = _held(session, callback_id, user)
        if row.status == CallbackStatus.CLAIMED.value:
            callback_store.reopen(session, row, f"released by {user.username}: {ask.reason}".strip(" :"),
                                  row.due_at)
        return callback_id, callback_store.model(session, row)

    return idempotency.once(db, key, user.username, "POST", request.url.path, ask, write)


@router.post("/{callback_id}/reschedule", response_model=Callback)
def reschedule(callback_id: RowId, user: CurrentUser, db: Db, body: CallbackReschedule, request: Request,
               key: idempotency.KeyHeader = None) -> Response:
    """Call again later: open again, offered from `due_at` on (the note says why)."""
    def write(session: Session) -> tuple[int, Callback]:
        row = _held(session, callback_id, user)
        callback_store.reopen(session, row, body.note, body.due_at)
        return callback_id, callback_store.model(session, row)

    return idempotency.once(db, key, user.username, "POST", request.url.path, body, write)


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


@router.post("/{callback_id}/done", response_model=Callback)
def done(callback_id: RowId, user: CurrentUser, db: Db, request: Request,
         body: Annotated[CallbackDone | None, Body()] = None, key: idempotency.KeyHeader = None) -> Response:
    """Close a callback (claimed by you, unclaimed, or as a supervisor); closing it again is harmless."""
    ask = body or CallbackDone()

    def write(session: Session) -> tuple[int, Callback]:
        row = _row(session, callback_id)
        if row.status != CallbackStatus.DONE.value:
            _mine_or_supervisor(row, user)
            row.status, row.done_at = CallbackStatus.DONE.value, utc_now()
            row.claimed_by = row.claimed_by or user.username
            row.claimed_at = row.claimed_at or row.done_at
            row.note = (ask.note if ask.reached else f"not reached. {ask.note}".strip())[:200]
            session.flush()
            callback_store.announce(session, row)
        return callback_id, callback_store.model(session, row)

    return idempotency.once(db, key, user.username, "POST", request.url.path, ask, write)
