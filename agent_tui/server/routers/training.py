"""Trainer mode: scenarios, trainees in training status, trainer commands, live progress, stored attempts.

Scenarios are read from the scenarios folder (`ServerSettings.scenarios_dir`, default the shipped
`scenarios/`) once per app, like call screens: a broken file is logged with file and line and the others
are served. Trainer commands travel on the agent's own command stream (`command` events targeted at the
trainee); progress and results from trainees' desks are relayed to trainers as `training` events.
Training data stays apart: attempts live in their own table and never touch calls, tickets or KPIs.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent_tui.domain.agent import AgentCommand, AgentStateName
from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.session import Role
from agent_tui.domain.training import (
    TRAINING_COMMANDS,
    TRAINING_REASON,
    AttemptCreate,
    AttemptRecord,
    Scenario,
    ScenarioSummary,
    Trainee,
    TraineePresence,
    TrainingProgress,
)
from agent_tui.server import audit, broker
from agent_tui.server.auth import AuthUser, CurrentUser, Db
from agent_tui.server.models import AgentStateRow, AuditRow, UserRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.store import PageParams
from agent_tui.server.training_models import TrainingAttemptRow, TrainingPresenceRow

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["training"])

LAUNCH = "training_launch"
"""The trainer command that starts a scenario for a trainee (and its audit action)."""


class ScenarioLibrary:
    """The scenarios of one app, loaded on first use (checked against the shipped screens)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._scenarios: dict[str, Scenario] | None = None

    def all(self) -> dict[str, Scenario]:
        """Every scenario that loaded, by id (in file-name order)."""
        with self._lock:
            if self._scenarios is None:
                from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios

                result = load_scenarios(self.folder or bundled_scenarios_dir())
                for error in result.errors:
                    log.warning("scenario not loaded: %s", error)
                self._scenarios = result.by_id()
            return self._scenarios


def _library(request: Request) -> ScenarioLibrary:
    state = request.app.state
    library: ScenarioLibrary | None = getattr(state, "scenario_library", None)
    if library is None:
        library = ScenarioLibrary(state.settings.scenarios_dir)
        state.scenario_library = library
    return library


@router.get("/scenarios")
def list_scenarios(
    request: Request, _user: CurrentUser, paging: PageParams,
    language: Annotated[str | None, Query(pattern=r"^(en|zh)$")] = None,
) -> Page[ScenarioSummary]:
    """The training scenarios, by file name (optionally of one language)."""
    items = [s.summary_view() for s in _library(request).all().values()
             if language is None or s.language == language]
    return Page[ScenarioSummary](items=items[paging.offset:paging.offset + paging.limit], total=len(items),
                                 limit=paging.limit, offset=paging.offset)


@router.get("/scenarios/{scenario_id}")
def get_scenario(scenario_id: str, request: Request, _user: CurrentUser) -> Scenario:
    """One whole scenario: caller, lines, expected outcome and targets."""
    scenario = _library(request).all().get(scenario_id)
    if scenario is None:
        raise ProblemError(404, f"no scenario {scenario_id}")
    return scenario


# --- trainees --------------------------------------------------------------------------------------


@router.get("/training/trainees")
def list_trainees(_user: CurrentUser, db: Db) -> list[Trainee]:
    """Agents in training status (Not Ready, reason `training`) or whose desk announced itself for training.

    An announced desk stays listed while on a training call (its state is then `on_call`).
    """
    with db.read() as session:
        rows = session.execute(
            select(UserRow, AgentStateRow, TrainingPresenceRow)
            .outerjoin(AgentStateRow, AgentStateRow.username == UserRow.username)
            .outerjoin(TrainingPresenceRow, TrainingPresenceRow.username == UserRow.username)
            .where(UserRow.role == Role.AGENT.value)
            .where((TrainingPresenceRow.username.is_not(None)) | (AgentStateRow.reason == TRAINING_REASON))
            .order_by(UserRow.username)
        ).all()
    trainees: list[Trainee] = []
    for user, state, presence in rows:
        name = state.state if state is not None else AgentStateName.LOGGED_OUT.value
        if name == AgentStateName.LOGGED_OUT.value:
            continue
        trainees.append(Trainee(
            username=user.username, display_name=user.display_name, extension=user.extension, state=name,
            reason=state.reason if state is not None else None,
            sip_uri=presence.sip_uri if presence is not None else None,
            since=presence.since if presence is not None else None,
        ))
    return trainees


@router.put("/training/presence", status_code=204)
def announce(body: TraineePresence, user: CurrentUser, db: Db) -> None:
    """A desk in training status says where its softphone answers."""
    now = utc_now()
    with db.write() as session:
        row = session.get(TrainingPresenceRow, user.username)
        if row is None:
            session.add(TrainingPresenceRow(username=user.username, sip_uri=body.sip_uri, since=now))
        else:
            row.sip_uri, row.since = body.sip_uri, now
        broker.record(session, EventKind.TRAINING, {"type": "presence", "trainee": user.username,
                                                     "sip_uri": body.sip_uri}, audience=Role.TRAINER)


@router.delete("/training/presence", status_code=204)
def withdraw(user: CurrentUser, db: Db) -> None:
    """The desk left training status."""
    with db.write() as session:
        row = session.get(TrainingPresenceRow, user.username)
        if row is not None:
            session.delete(row)
            broker.record(session, EventKind.TRAINING, {"type": "presence", "trainee": user.username,
                                                         "sip_uri": None}, audience=Role.TRAINER)


@router.post("/training/trainees/{username}/commands", status_code=202)
def command_trainee(username: str, body: AgentCommand, user: CurrentUser, db: Db) -> Event:
    """A trainer's command to a trainee's desk (launch, hint, caption, takeover...): their command stream."""
    if body.command not in TRAINING_COMMANDS:
        known = ", ".join(TRAINING_COMMANDS)
        raise ProblemError(422, f"not a training command: {body.command} (known: {known})",
                           field="body.command")
    command = body.model_copy(update={"data": {**body.data, "by": user.username}})
    with db.write() as session:
        target = session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
        if target is None:
            raise ProblemError(404, f"no user {username}")
        if target.role != Role.AGENT.value:
            raise ProblemError(409, f"{username} is not an agent")
        if body.command == LAUNCH:
            # The audited launch is what lets the trainee's desk store the attempt as trainer-launched.
            launch = {name: str(body.data.get(name, ""))[:64] for name in ("attempt", "scenario")}
            audit.record(session, user.username, LAUNCH, agent=username, detail=launch)
        return broker.record(session, EventKind.COMMAND, command.model_dump(mode="json"), target=username)


@router.post("/training/progress", status_code=202)
def report_progress(body: TrainingProgress, user: CurrentUser, db: Db) -> Event:
    """A trainee's desk reports progress; trainers see it live as a `training` event."""
    data = {"type": "progress", "trainee": user.username, **body.model_dump(mode="json")}
    with db.write() as session:
        return broker.record(session, EventKind.TRAINING, data, audience=Role.TRAINER)


# --- attempts --------------------------------------------------------------------------------------


def _record(row: TrainingAttemptRow) -> AttemptRecord:
    return AttemptRecord.model_validate({**row.data, "id": row.id, "trainee": row.trainee, "at": row.at})


def _may_see(user: AuthUser, trainee: str) -> bool:
    return user.role != Role.AGENT or user.username == trainee


@router.post("/training/attempts", status_code=201)
def create_attempt(body: AttemptCreate, user: CurrentUser, db: Db) -> AttemptRecord:
    """Store a scored attempt (the `POST /v1/training/attempts` rule of `roles.WRITE_RULES`): a trainee's
    self-practice, or a trainer-launched attempt of a launch that trainer made. Posting the same attempt
    id again answers the stored one."""
    trainee = body.trainee or user.username
    if user.role == Role.AGENT and trainee != user.username:
        raise ProblemError(403, "an agent may store only their own attempts", field="body.trainee")
    launched_by = body.launched_by
    if user.role == Role.TRAINER:
        if launched_by not in (None, user.username):
            raise ProblemError(403, f"{user.username} may not store an attempt launched by {launched_by}",
                               field="body.launched_by")
        launched_by = user.username
    now = utc_now()
    body = body.model_copy(update={"launched_by": launched_by, "trainee": trainee})
    data = body.model_dump(mode="json")
    try:
        with db.write() as session:
            if launched_by is not None and not _launched(session, launched_by, trainee, body):
                raise ProblemError(403, f"{launched_by} launched no attempt {body.attempt_id} of "
                                   f"{body.scenario_id} for {trainee}", field="body.launched_by")
            existing = _by_attempt_id(session, body.attempt_id)
            if existing is not None:
                if existing.trainee != trainee or existing.launched_by != launched_by:
                    raise ProblemError(409, f"attempt {body.attempt_id} is stored already",
                                       field="body.attempt_id")
                return _record(existing)
            row = TrainingAttemptRow(
                attempt_id=body.attempt_id, scenario_id=body.scenario_id, trainee=trainee,
                launched_by=launched_by, at=now, total=body.card.total, passed=body.card.passed,
                data=data,
            )
            session.add(row)
            session.flush()
            record = _record(row)
            broker.record(session, EventKind.TRAINING, {
                "type": "result", "trainee": trainee, "attempt_id": body.attempt_id, "id": row.id,
                "scenario_id": body.scenario_id, "total": body.card.total, "passed": body.card.passed,
            }, audience=Role.TRAINER)
    except IntegrityError:
        # The same attempt posted twice at once: answer the one that won.
        with db.read() as session:
            existing = _by_attempt_id(session, body.attempt_id)
            if existing is None:
                raise
            return _record(existing)
    return record


def _launched(session: Session, trainer: str, trainee: str, body: AttemptCreate) -> bool:
    """Whether `trainer` launched this attempt id of this scenario for `trainee` (the audited launch)."""
    details = session.execute(
        select(AuditRow.detail).where(AuditRow.actor == trainer, AuditRow.agent == trainee,
                                      AuditRow.action == LAUNCH)
    ).scalars()
    return any(d.get("attempt") == body.attempt_id and d.get("scenario") == body.scenario_id for d in details)


def _by_attempt_id(session: Session, attempt_id: str) -> TrainingAttemptRow | None:
    return session.execute(
        select(TrainingAttemptRow).where(TrainingAttemptRow.attempt_id == attempt_id)
    ).scalar_one_or_none()


@router.get("/training/attempts")
def list_attempts(
    user: CurrentUser,
    db: Db,
    paging: PageParams,
    trainee: Annotated[str | None, Query(max_length=64, description="Default: all (agents: themselves).")]
    = None,
    scenario: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AttemptRecord]:
    """Scored attempts, newest first: trainers and supervisors see everyone's, agents only their own."""
    if user.role == Role.AGENT:
        if trainee is not None and trainee != user.username:
            raise ProblemError(403, "an agent may see only their own attempts")
        trainee = user.username
    query = select(TrainingAttemptRow)
    if trainee is not None:
        query = query.where(TrainingAttemptRow.trainee == trainee)
    if scenario is not None:
        query = query.where(TrainingAttemptRow.scenario_id == scenario)
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(TrainingAttemptRow.id.desc()).limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        items = [_record(row) for row in rows]
    return Page[AttemptRecord](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/training/attempts/{attempt_key}")
def get_attempt(attempt_key: int, user: CurrentUser, db: Db) -> AttemptRecord:
    """One stored attempt with its whole score card."""
    with db.read() as session:
        row = session.get(TrainingAttemptRow, attempt_key)
        if row is None or not _may_see(user, row.trainee):
            raise ProblemError(404, f"no attempt {attempt_key}")
        return _record(row)
