"""`/v1/recordings` and `/v1/qa`: call recordings (upload, search, download) and QA scores.

Agents upload and see only their own calls' recordings and scores; supervisors see and score all.
Training calls' recordings are kept apart: marked `training` at upload (or by the call record), left out
of searches unless `training=true` is asked for. Trainers may download training recordings and model
calls (`agent_tui.server.routers.model_calls`); agents their own, and model calls while in training.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse

from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.recordings import QA_ITEMS, QaScore, QaScoreInput, Recording
from agent_tui.domain.session import Role
from agent_tui.server import audit, recordings
from agent_tui.server.auth import AuthUser, CurrentUser, Db
from agent_tui.server.deps import Settings
from agent_tui.server.models import CallRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.recording_models import ModelCallRow, QaScoreRow, RecordingRow
from agent_tui.server.routers.model_calls import in_training
from agent_tui.server.store import PageParams

router = APIRouter(tags=["recordings"])


def _call_agent(session: Session, call_id: str) -> str | None:
    return session.execute(select(CallRow.agent).where(CallRow.call_id == call_id)).scalar_one_or_none()


@router.put("/v1/recordings/{call_id}", status_code=201,
            responses={200: {"description": "The same recording was stored before."}})
async def put_recording(call_id: str, request: Request, response: Response, user: CurrentUser, db: Db,
                        settings: Settings,
                        training: Annotated[bool, Query(description="A training call's recording.")] = False,
                        ) -> Recording:
    """Upload a call's WAV recording (the body); the same content again is a no-op answered with 200."""
    if len(call_id) > 128:
        raise ProblemError(422, "at most 128 characters", field="path.call_id")
    received = await recordings.receive(request.stream(), settings)
    stored, created = await recordings.settle(received, settings,
                                              lambda: _store(db, call_id, user, received, training))
    if not created:
        response.status_code = 200
    return stored


async def _store(
    db: Db, call_id: str, user: AuthUser, received: recordings.Received, training: bool
) -> tuple[Recording, bool]:
    def work() -> tuple[Recording, bool]:
        with db.write() as session:
            existing = session.get(RecordingRow, call_id)
            owner = _call_agent(session, call_id)
            if user.role == Role.AGENT and owner is not None and owner != user.username:
                raise ProblemError(403, f"call {call_id} was another agent's")
            if existing is not None:
                if user.role == Role.AGENT and existing.agent not in (None, user.username):
                    raise ProblemError(403, f"call {call_id} was another agent's")
                if existing.sha256 != received.sha256:
                    raise ProblemError(409, f"call {call_id} already has a different recording")
                return recordings.model(existing), False
            call = session.get(CallRow, call_id)
            row = RecordingRow(
                call_id=call_id, agent=owner or (user.username if user.role == Role.AGENT else None),
                queue=call.queue if call else None, customer_id=call.customer_id if call else None,
                number=call.number if call else "",
                started_at=(call.answered_at or call.offered_at) if call else None,
                duration_s=received.duration_s, size=received.size, sha256=received.sha256,
                uploaded_at=utc_now(), uploaded_by=user.username,
                # A call record, when there is one, decides: an upload cannot hide a real call as training.
                training=bool(call.training) if call is not None else training,
            )
            session.add(row)
            session.flush()
            return recordings.model(row), True

    return await run_in_threadpool(work)


def may_play(session: Session, user: AuthUser, row: RecordingRow) -> bool:
    """Whether `user` may download a recording (see the module docstring)."""
    if user.role == Role.SUPERVISOR:
        return True
    if user.role == Role.AGENT and row.agent == user.username:
        return True
    if user.role == Role.TRAINER and row.training:
        return True
    if session.get(ModelCallRow, row.call_id) is None:
        return False
    return user.role == Role.TRAINER or in_training(session, user.username)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@router.get("/v1/recordings")
def search_recordings(
    user: CurrentUser, db: Db, paging: PageParams,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    queue: Annotated[str | None, Query(max_length=200)] = None,
    customer: Annotated[str | None, Query(max_length=200, description="Customer id or number.")] = None,
    call_id: Annotated[str | None, Query(max_length=128)] = None,
    min_duration: Annotated[float | None, Query(ge=0)] = None,
    max_duration: Annotated[float | None, Query(ge=0)] = None,
    training: Annotated[bool, Query(description="true: training calls' recordings instead of real ones.")]
    = False,
) -> Page[Recording]:
    """Recordings matching every filter given, newest first; agents see only their own."""
    started = func.coalesce(RecordingRow.started_at, RecordingRow.uploaded_at)
    query = select(RecordingRow).where(RecordingRow.training.is_(training))
    if user.role == Role.AGENT:
        query = query.where(RecordingRow.agent == user.username)
    if agent:
        query = query.where(RecordingRow.agent == agent)
    if queue:
        query = query.where(RecordingRow.queue == queue)
    if customer:
        match = RecordingRow.number == customer
        query = query.where(or_(match, RecordingRow.customer_id == int(customer)) if customer.isdigit()
                            and len(customer) < 18 else match)
    if call_id:
        query = query.where(RecordingRow.call_id == call_id)
    if since is not None:
        query = query.where(started >= _aware(since))
    if until is not None:
        query = query.where(started < _aware(until))
    if min_duration is not None:
        query = query.where(RecordingRow.duration_s >= min_duration)
    if max_duration is not None:
        query = query.where(RecordingRow.duration_s <= max_duration)
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(started.desc(), RecordingRow.call_id).limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        marked = set(session.execute(
            select(ModelCallRow.call_id).where(ModelCallRow.call_id.in_([r.call_id for r in rows]))
        ).scalars())
        items = [recordings.model(r).model_copy(update={"model_call": r.call_id in marked}) for r in rows]
        return Page[Recording](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/v1/recordings/{call_id}/audio", response_class=FileResponse,
            responses={200: {"content": {"audio/wav": {}}}})
def download_recording(call_id: str, user: CurrentUser, db: Db, settings: Settings) -> FileResponse:
    """The WAV of a call; agents only their own (and model calls while in training); trainers training
    calls and model calls."""
    with db.write() as session:
        row = session.get(RecordingRow, call_id)
        if row is None or not may_play(session, user, row):
            raise ProblemError(404, f"no recording of call {call_id}")
        if user.role != Role.AGENT:
            audit.record(session, user.username, "play_recording", agent=row.agent, call_id=call_id)
        path = recordings.path_of(settings, row.sha256)
    if not path.is_file():
        raise ProblemError(404, f"the recording file of call {call_id} is missing on the server")
    return FileResponse(path, media_type="audio/wav", filename=f"{call_id}.wav")


# ---- QA ------------------------------------------------------------------------------------------


def _score(row: QaScoreRow) -> QaScore:
    items = {name: int(row.items.get(name, 0)) for name in QA_ITEMS}
    return QaScore(call_id=row.call_id, agent=row.agent, scorer=row.scorer, scored_at=row.scored_at,
                   total_points=row.total, comment=row.comment, **items)


@router.put("/v1/qa/{call_id}")
def put_qa(call_id: str, body: QaScoreInput, user: CurrentUser, db: Db) -> QaScore:
    """Score a call on the seven QA items (100 points); scoring again replaces the score."""
    with db.write() as session:
        agent = _call_agent(session, call_id)
        if agent is None:
            recording = session.get(RecordingRow, call_id)
            agent = recording.agent if recording else None
        if agent is None:
            raise ProblemError(404, f"no call {call_id} with an agent to score")
        row = session.get(QaScoreRow, call_id)
        if row is None:
            row = QaScoreRow(call_id=call_id, agent=agent, scorer=user.username, scored_at=utc_now(),
                             items={}, total=0, comment="")
            session.add(row)
        row.agent, row.scorer, row.scored_at = agent, user.username, utc_now()
        row.items = {name: getattr(body, name) for name in QA_ITEMS}
        row.total, row.comment = body.total(), body.comment
        audit.record(session, user.username, "qa_score", agent=agent, call_id=call_id,
                     detail={"total": row.total})
        session.flush()
        return _score(row)


@router.get("/v1/qa")
def list_qa(
    user: CurrentUser, db: Db, paging: PageParams,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    call_id: Annotated[str | None, Query(max_length=128)] = None,
) -> Page[QaScore]:
    """QA scores, newest first; agents see only their own."""
    query = select(QaScoreRow)
    if user.role == Role.AGENT:
        query = query.where(QaScoreRow.agent == user.username)
    if agent:
        query = query.where(QaScoreRow.agent == agent)
    if call_id:
        query = query.where(QaScoreRow.call_id == call_id)
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(QaScoreRow.scored_at.desc()).limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        return Page[QaScore](items=[_score(r) for r in rows], total=total, limit=paging.limit,
                             offset=paging.offset)
