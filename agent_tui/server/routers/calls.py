"""`/v1/calls`: call records, upserted by call id; each also lands in the customer's contact history.

Who may write which record is the `POST /v1/calls` rule of `roles.WRITE_RULES`: a call id belongs to
the agent of its first record for good, `training` is fixed at creation, and a supervisor's change of
another agent's record is an audited correction.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.call import CallRecord
from agent_tui.domain.customer import ContactChannel
from agent_tui.domain.events import EventKind
from agent_tui.domain.session import Role
from agent_tui.server import audit, broker, queue_calls, recordings
from agent_tui.server.auth import AuthUser, CurrentUser, Db
from agent_tui.server.db import Database
from agent_tui.server.deps import Board
from agent_tui.server.models import CallRow, ContactRow, CustomerRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.recording_models import RecordingRow

router = APIRouter(prefix="/v1/calls", tags=["calls"])

_KEY_FIELDS = (
    "direction", "number", "agent", "customer_id", "queue", "offered_at", "answered_at", "ended_at",
    "talk_s", "hold_s", "acw_s", "training",
)


@router.post("")
def post_call(body: CallRecord, user: CurrentUser, db: Db, board: Board) -> CallRecord:
    """Store a call record (its agent posting the same call id again replaces it) and its contact record.

    A queued call also fills in the queue's figures where no PBX queue events told of it.
    """
    if body.agent is None:
        body = body.model_copy(update={"agent": user.username})
    try:
        stored = _store(db, body, user)
    except IntegrityError:
        # Another post of the same new call id committed first: judge this one against it.
        stored = _store(db, body, user)
    board.touch(queues=[stored.queue], agents=[stored.agent])
    return stored


def _store(db: Database, body: CallRecord, user: AuthUser) -> CallRecord:
    now = utc_now()
    with db.write() as session:
        if body.customer_id is not None and session.get(CustomerRow, body.customer_id) is None:
            raise ProblemError(422, f"no customer {body.customer_id}", field="body.customer_id")
        values = {name: getattr(body, name) for name in _KEY_FIELDS}
        values["direction"] = body.direction.value
        row = session.get(CallRow, body.call_id)
        if row is None:
            _check_new(session, body, user)
        else:
            body = _check_change(session, row, body, user)
            values["agent"] = body.agent
        if row is None:
            row = CallRow(call_id=body.call_id, record={}, updated_at=now, **values)
            session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        row.record = body.model_dump(mode="json")
        row.updated_at = now
        if body.customer_id is not None and not body.training:
            _contact(session, body)
        session.flush()
        broker.record(session, EventKind.CALL, {
            "call_id": body.call_id, "agent": body.agent, "queue": body.queue,
            "customer_id": body.customer_id,
            "ended": body.ended_at is not None,
        })
        queue_calls.from_call_record(session, body)
        recordings.refresh_from_call(session, body)
    return body


def _check_new(session: Session, body: CallRecord, user: AuthUser) -> None:
    """A new call id: the caller's own call, and no recording of it uploaded by somebody else."""
    if body.agent != user.username:
        raise ProblemError(403, f"{user.username} may post only their own calls, not {body.agent}'s",
                           field="body.agent")
    uploaded = session.execute(
        select(RecordingRow.agent).where(RecordingRow.call_id == body.call_id)
    ).scalar_one_or_none()
    if uploaded is not None and uploaded != user.username:
        raise ProblemError(403, f"call {body.call_id} was another agent's", field="body.call_id")


def _check_change(session: Session, row: CallRow, body: CallRecord, user: AuthUser) -> CallRecord:
    """A stored call id: its agent updates it, a supervisor corrects it (audited); owner and
    `training` never change. Answers the body to store."""
    owner = row.agent
    if owner == user.username:
        if body.agent != owner:
            raise ProblemError(409, f"call {body.call_id} stays {owner}'s", field="body.agent")
    elif user.role == Role.SUPERVISOR and owner is not None:
        # A supervisor's body without an agent was filled in with the supervisor: keep the owner.
        if body.agent not in (owner, user.username):
            raise ProblemError(409, f"call {body.call_id} stays {owner}'s", field="body.agent")
        body = body.model_copy(update={"agent": owner})
        changed = sorted(name for name, value in body.model_dump(mode="json").items()
                         if row.record.get(name) != value)
        audit.record(session, user.username, "call_corrected", agent=owner, call_id=body.call_id,
                     detail={"fields": ", ".join(changed)})
    else:
        raise ProblemError(403, f"call {body.call_id} is another agent's", field="body.call_id")
    if body.training != row.training:
        raise ProblemError(409, f"call {body.call_id}: training is fixed when the call is first posted",
                           field="body.training")
    return body


def _contact(session: Session, body: CallRecord) -> None:
    assert body.customer_id is not None
    row = session.execute(select(ContactRow).where(ContactRow.call_id == body.call_id)).scalar_one_or_none()
    if row is None:
        row = ContactRow(customer_id=body.customer_id, call_id=body.call_id, at=utc_now(),
                         channel=ContactChannel.PHONE.value)
        session.add(row)
    row.customer_id = body.customer_id
    row.at = body.answered_at or body.offered_at or body.ended_at or row.at
    row.agent = body.agent
    row.ticket_id = body.ticket_ids[0] if body.ticket_ids else None
    row.summary = body.notes
    row.outcome = body.disposition or body.end_reason
    row.recording = body.recording
    customer = session.get(CustomerRow, body.customer_id)
    if customer is not None and body.agent:
        customer.last_agent = body.agent


@router.get("/{call_id}")
def get_call(call_id: str, _user: CurrentUser, db: Db) -> CallRecord:
    """A call record as last posted."""
    with db.read() as session:
        row = session.get(CallRow, call_id)
        if row is None:
            raise ProblemError(404, f"no call {call_id}")
        return CallRecord.model_validate(row.record)
