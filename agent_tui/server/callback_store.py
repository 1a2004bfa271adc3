"""Callers owed a call back: added from queue events, claimed and closed by desks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.callbacks import Callback, CallbackReason, CallbackStatus
from agent_tui.domain.events import EventKind
from agent_tui.server import broker
from agent_tui.server.models import CallbackRow, CustomerPhoneRow, CustomerRow
from agent_tui.server.phones import phone_key

OPEN_STATES = (CallbackStatus.OPEN.value, CallbackStatus.CLAIMED.value)
WITHDRAWN = "answered after all"
"""Note of a callback closed because the caller's answer arrived after their abandon."""


def add(
    session: Session, number: str, at: datetime, reason: CallbackReason, *, queue: str | None = None,
    customer_id: int | None = None, call_id: str | None = None, voicemail: str | None = None,
) -> CallbackRow | None:
    """Add a callback; None when the number is empty or already waits for one (or the call has one)."""
    if not number.strip():
        return None
    if call_id is not None and session.execute(
        select(CallbackRow.id).where(CallbackRow.call_id == call_id)
    ).first() is not None:
        return None
    if session.execute(
        select(CallbackRow.id).where(CallbackRow.number == number, CallbackRow.status.in_(OPEN_STATES))
    ).first() is not None:
        return None
    if customer_id is None:
        key = phone_key(number)
        if key:
            customer_id = session.execute(
                select(CustomerPhoneRow.customer_id).where(CustomerPhoneRow.phone_key == key).limit(1)
            ).scalar_one_or_none()
    row = CallbackRow(number=number, customer_id=customer_id, queue=queue, queued_at=at, reason=reason.value,
                      status=CallbackStatus.OPEN.value, call_id=call_id, voicemail=voicemail, note="")
    session.add(row)
    session.flush()
    announce(session, row)
    return row


def withdraw(session: Session, call_id: str) -> None:
    """Close the open callback raised for a call that was answered after all (not one an agent claimed).

    Queue events may arrive out of order: an abandon before the answer raised it, and the answer shows
    the caller was served. It closes as done with a note, and desks are told, as for any closed one.
    """
    row = session.execute(
        select(CallbackRow).where(CallbackRow.call_id == call_id,
                                  CallbackRow.status == CallbackStatus.OPEN.value)
    ).scalar_one_or_none()
    if row is None:
        return
    row.status, row.done_at, row.note = CallbackStatus.DONE.value, utc_now(), WITHDRAWN
    session.flush()
    announce(session, row)


NEXT_CANDIDATES = 20
"""Callbacks looked at per `next` request: another desk may win each one's claim, the next is tried."""


def claim_next(session: Session, username: str, now: datetime, *, queues: list[str],
               skip: list[int]) -> CallbackRow | None:
    """Claim the longest-waiting due callback for `username` (one they already hold comes first).

    The claim is a conditional UPDATE (`WHERE status = 'open'`): when two desks (or two server workers
    on PostgreSQL) pick the same row, exactly one update touches it and the other tries the next row.
    """
    held = session.execute(
        select(CallbackRow).where(CallbackRow.status == CallbackStatus.CLAIMED.value,
                                  CallbackRow.claimed_by == username, CallbackRow.id.not_in(skip or [-1]))
        .order_by(CallbackRow.queued_at, CallbackRow.id).limit(1)
    ).scalar_one_or_none()
    if held is not None:
        return held
    query = select(CallbackRow.id).where(
        CallbackRow.status == CallbackStatus.OPEN.value,
        or_(CallbackRow.due_at.is_(None), CallbackRow.due_at <= now))
    if queues:
        query = query.where(CallbackRow.queue.in_(queues))
    if skip:
        query = query.where(CallbackRow.id.not_in(skip))
    candidates = session.execute(
        query.order_by(CallbackRow.queued_at, CallbackRow.id).limit(NEXT_CANDIDATES)).scalars().all()
    for callback_id in candidates:
        result = session.execute(
            update(CallbackRow)
            .where(CallbackRow.id == callback_id, CallbackRow.status == CallbackStatus.OPEN.value)
            .values(status=CallbackStatus.CLAIMED.value, claimed_by=username, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:  # a CursorResult: the rows this UPDATE changed
            row = session.get(CallbackRow, callback_id, populate_existing=True)
            assert row is not None
            announce(session, row)
            return row
    return None


def reopen(session: Session, row: CallbackRow, note: str, due_at: datetime | None = None) -> None:
    """Give a claimed callback back to everyone (released, or rescheduled to `due_at`)."""
    row.status, row.claimed_by, row.claimed_at = CallbackStatus.OPEN.value, None, None
    row.due_at = due_at
    row.note = note[:200]
    session.flush()
    announce(session, row)


def model(session: Session, row: CallbackRow) -> Callback:
    """A callback row as a `Callback` (with the customer's name)."""
    name = None
    if row.customer_id is not None:
        name = session.execute(
            select(CustomerRow.name).where(CustomerRow.id == row.customer_id)
        ).scalar_one_or_none()
    return Callback(
        id=row.id, number=row.number, customer_id=row.customer_id, customer_name=name, queue=row.queue,
        queued_at=row.queued_at, reason=CallbackReason(row.reason), status=CallbackStatus(row.status),
        claimed_by=row.claimed_by, claimed_at=row.claimed_at, done_at=row.done_at, call_id=row.call_id,
        voicemail=row.voicemail, note=row.note, due_at=row.due_at,
    )


def announce(session: Session, row: CallbackRow) -> None:
    """A `callback` event for desks and supervisors."""
    broker.record(session, EventKind.CALLBACK, model(session, row).model_dump(mode="json"))
