"""Queue calls: PBX queue events (and desks' call records) folded into one row per caller.

Events may arrive late, twice or out of order: each is stored under its id (a repeat is a no-op),
and folding keeps the earliest arrival, the answer time and the end, whatever the order; whether the
caller is owed a callback is judged on the folded row, so every order of the same events owes the same.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.call import CallRecord
from agent_tui.domain.callbacks import CallbackReason
from agent_tui.domain.supervision import QueueEvent, QueueEventKind
from agent_tui.server import callback_store
from agent_tui.server.models import QueueCallRow, QueueEventRow

PBX = "pbx"
DESK = "desk"


def apply_event(session: Session, event: QueueEvent, short_abandon_s: float) -> bool:
    """Store and fold one event; False when its id was seen before."""
    try:
        with session.begin_nested():
            session.add(QueueEventRow(
                event_id=event.event_id, kind=event.kind.value, call_id=event.call_id, queue=event.queue,
                at=event.at, received_at=utc_now(), data=event.model_dump(mode="json"),
            ))
    except IntegrityError:
        return False
    row = session.get(QueueCallRow, event.call_id)
    if row is None:
        row = QueueCallRow(call_id=event.call_id, queue=event.queue, number=event.number,
                           customer_id=event.customer_id, enqueued_at=event.at, outcome="waiting",
                           training=event.training, source=PBX)
        session.add(row)
    row.source = PBX
    row.training = bool(row.training) or event.training
    row.number = event.number or row.number
    row.customer_id = event.customer_id if event.customer_id is not None else row.customer_id
    if event.at < row.enqueued_at:
        row.enqueued_at = event.at
    if event.kind == QueueEventKind.ENQUEUED:
        row.queue = event.queue
    elif event.kind == QueueEventKind.ANSWERED:
        row.answered_at, row.agent, row.outcome = event.at, event.agent or row.agent, "answered"
        row.ended_at = None
        # Answered after all: an abandon that arrived first no longer owes the caller a call.
        callback_store.withdraw(session, row.call_id)
    elif row.answered_at is None:
        row.ended_at = event.at
        row.outcome = "overflow" if event.kind == QueueEventKind.OVERFLOW else "abandoned"
    if row.answered_at is None and row.ended_at is not None:
        # Judged after every event, not only the ending one: an enqueue (with the caller's number and
        # the real arrival) that comes after the abandon decides whether the abandon was short.
        _callback(session, row, short_abandon_s, _voicemail(session, row, event))
    session.flush()
    return True


def _voicemail(session: Session, row: QueueCallRow, event: QueueEvent) -> bool:
    """Whether the caller's overflow left a voicemail (told by the overflow event, wherever it is)."""
    if row.outcome != "overflow":
        return False
    if event.kind == QueueEventKind.OVERFLOW:
        return event.voicemail
    stored = session.execute(
        select(QueueEventRow.data).where(QueueEventRow.call_id == row.call_id,
                                         QueueEventRow.kind == QueueEventKind.OVERFLOW.value)
        .order_by(QueueEventRow.at.desc()).limit(1)
    ).scalar_one_or_none()
    return isinstance(stored, dict) and stored.get("voicemail") is True


def _callback(session: Session, row: QueueCallRow, short_abandon_s: float, voicemail: bool) -> None:
    if row.training or row.ended_at is None:
        return
    if row.outcome == "overflow":
        reason = CallbackReason.VOICEMAIL if voicemail else CallbackReason.ALL_BUSY
    elif (row.ended_at - row.enqueued_at).total_seconds() > short_abandon_s:
        reason = CallbackReason.ABANDONED
    else:
        return  # a short abandon: most likely a wrong number
    callback_store.add(session, row.number, row.ended_at, reason, queue=row.queue,
                       customer_id=row.customer_id, call_id=row.call_id,
                       voicemail=row.call_id if voicemail else None)


def from_call_record(session: Session, body: CallRecord) -> None:
    """Fold a desk's queued call record in, unless PBX events already tell of the call."""
    if body.queue is None or body.offered_at is None:
        return
    row = session.get(QueueCallRow, body.call_id)
    if row is not None and row.source == PBX:
        row.agent = row.agent or body.agent
        row.customer_id = row.customer_id if row.customer_id is not None else body.customer_id
        return
    if row is None:
        row = QueueCallRow(call_id=body.call_id, queue=body.queue, enqueued_at=body.offered_at,
                           outcome="waiting", source=DESK)
        session.add(row)
    row.queue, row.number, row.customer_id = body.queue, body.number, body.customer_id
    row.enqueued_at, row.answered_at, row.agent = body.offered_at, body.answered_at, body.agent
    row.training = body.training
    if body.answered_at is not None:
        row.outcome, row.ended_at = "answered", None
    elif body.ended_at is not None:
        row.outcome, row.ended_at = "abandoned", body.ended_at
    else:
        row.outcome, row.ended_at = "waiting", None
