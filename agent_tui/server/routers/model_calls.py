"""The library of model calls: recordings a supervisor or trainer marked as examples for trainees.

`PUT/DELETE /v1/recordings/{call_id}/model` mark and unmark (audited as `mark_model_call` and
`unmark_model_call`); `GET /v1/model-calls` lists them for trainers, supervisors and agents in training
status (other agents: 409, their state is wrong, not their role). Playing one is
`GET /v1/recordings/{call_id}/audio` (see `recordings.py`).
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.session import Role
from agent_tui.domain.training import TRAINING_REASON, ModelCall, ModelCallInput
from agent_tui.server import audit
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.models import AgentStateRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.recording_models import ModelCallRow, RecordingRow
from agent_tui.server.store import PageParams
from agent_tui.server.training_models import TrainingPresenceRow

router = APIRouter(prefix="/v1", tags=["training"])


def in_training(session: Session, username: str) -> bool:
    """Whether an agent is in training status (Not Ready, reason training) or announced for training."""
    if session.get(TrainingPresenceRow, username) is not None:
        return True
    state = session.get(AgentStateRow, username)
    return state is not None and state.reason == TRAINING_REASON


def _model_call(marked: ModelCallRow, recording: RecordingRow) -> ModelCall:
    return ModelCall(call_id=marked.call_id, title=marked.title, note=marked.note, agent=recording.agent,
                     duration_s=recording.duration_s, started_at=recording.started_at,
                     training=bool(recording.training), marked_by=marked.marked_by,
                     marked_at=marked.marked_at)


@router.put("/recordings/{call_id}/model")
def mark_model_call(call_id: str, body: ModelCallInput, user: CurrentUser, db: Db) -> ModelCall:
    """Mark a recording as a model call (again: a new title and note)."""
    with db.write() as session:
        recording = session.get(RecordingRow, call_id)
        if recording is None:
            raise ProblemError(404, f"no recording of call {call_id}")
        row = session.get(ModelCallRow, call_id)
        if row is None:
            row = ModelCallRow(call_id=call_id, title=body.title, note=body.note, marked_by=user.username,
                               marked_at=utc_now())
            session.add(row)
        row.title, row.note, row.marked_by, row.marked_at = body.title, body.note, user.username, utc_now()
        audit.record(session, user.username, "mark_model_call", agent=recording.agent, call_id=call_id,
                     detail={"title": body.title})
        session.flush()
        return _model_call(row, recording)


@router.delete("/recordings/{call_id}/model", status_code=204)
def unmark_model_call(call_id: str, user: CurrentUser, db: Db) -> None:
    """The recording is no longer a model call (404 when it was not one)."""
    with db.write() as session:
        row = session.get(ModelCallRow, call_id)
        if row is None:
            raise ProblemError(404, f"call {call_id} is not a model call")
        recording = session.get(RecordingRow, call_id)
        session.delete(row)
        audit.record(session, user.username, "unmark_model_call",
                     agent=recording.agent if recording else None, call_id=call_id)


@router.get("/model-calls")
def list_model_calls(user: CurrentUser, db: Db, paging: PageParams) -> Page[ModelCall]:
    """The model calls, newest marked first (agents only while in training status)."""
    with db.read() as session:
        if user.role == Role.AGENT and not in_training(session, user.username):
            raise ProblemError(409, "model calls are for agents in training status: set Not Ready, training")
        total = session.execute(select(func.count()).select_from(ModelCallRow)).scalar_one()
        rows = session.execute(
            select(ModelCallRow, RecordingRow)
            .join(RecordingRow, RecordingRow.call_id == ModelCallRow.call_id)
            .order_by(ModelCallRow.marked_at.desc(), ModelCallRow.call_id)
            .limit(paging.limit).offset(paging.offset)
        ).all()
        items = [_model_call(marked, recording) for marked, recording in rows]
    return Page[ModelCall](items=items, total=total, limit=paging.limit, offset=paging.offset)
