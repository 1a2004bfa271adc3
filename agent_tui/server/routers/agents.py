"""`/v1/agents`: the directory with live states, own figures, state changes, commands to agents."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, Query
from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from agent_tui.domain.agent import (
    DEFAULT_NOT_READY_REASONS,
    Agent,
    AgentCommand,
    AgentStateChange,
    AgentStateName,
)
from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.session import Role
from agent_tui.domain.supervision import AgentDayFigures
from agent_tui.server import audit, broker, convert
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Board
from agent_tui.server.models import AgentStateLogRow, AgentStateRow, UserRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.store import PageParams

router = APIRouter(prefix="/v1/agents", tags=["agents"])


@router.get("")
def list_agents(
    _user: CurrentUser,
    db: Db,
    paging: PageParams,
    role: Annotated[Role | None, Query(description="Only users of this role (default: every role).")] = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[AgentStateName | None, Query()] = None,
) -> Page[Agent]:
    """Users with their current state, by username."""
    query = select(UserRow, AgentStateRow).outerjoin(
        AgentStateRow, AgentStateRow.username == UserRow.username
    )
    if role is not None:
        query = query.where(UserRow.role == role.value)
    if team is not None:
        query = query.where(UserRow.team == team)
    if state is not None:
        if state == AgentStateName.LOGGED_OUT:
            query = query.where((AgentStateRow.state == state.value) | AgentStateRow.state.is_(None))
        else:
            query = query.where(AgentStateRow.state == state.value)
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(UserRow.username).limit(paging.limit).offset(paging.offset)
        ).all()
        items = [convert.agent(user, agent_state) for user, agent_state in rows]
    return Page[Agent](items=items, total=total, limit=paging.limit, offset=paging.offset)


def _user_row(session: Session, username: str) -> UserRow:
    row = session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
    if row is None:
        raise ProblemError(404, f"no user {username}")
    return row


@router.get("/{username}/state")
def get_state(username: str, _user: CurrentUser, db: Db) -> Agent:
    """One user's current state."""
    with db.read() as session:
        row = _user_row(session, username)
        return convert.agent(row, session.get(AgentStateRow, username))


@router.get("/{username}/figures")
def get_figures(username: str, user: CurrentUser, db: Db, board: Board) -> AgentDayFigures:
    """One agent's figures for today so far (the desk's own figures at login): agents their own only."""
    if user.role != Role.SUPERVISOR and username != user.username:
        raise ProblemError(403, "an agent may see only their own figures")
    with db.read() as session:
        _user_row(session, username)
        return board.live.agent_today(session, username, utc_now())


@router.put("/{username}/state")
def put_state(username: str, body: AgentStateChange, user: CurrentUser, db: Db, board: Board) -> Agent:
    """Set a state: agents their own, supervisors anyone's (the agent is told by a command event).

    The call fields (call id, number, customer, queue, hold) feed the wallboard; every change of state
    also closes the agent's current stretch in the state log and opens the next one.
    """
    if user.role != Role.SUPERVISOR and username != user.username:
        raise ProblemError(403, "an agent may set only their own state")
    if body.state == AgentStateName.NOT_READY and body.reason is not None \
            and body.reason not in DEFAULT_NOT_READY_REASONS:
        known = ", ".join(DEFAULT_NOT_READY_REASONS)
        raise ProblemError(422, f"unknown reason code {body.reason!r} (known: {known})", field="body.reason")
    now = utc_now()
    with db.write() as session:
        # The user and their state in one round trip: the write lock is held for the whole transaction.
        found = session.execute(_USER_AND_STATE, {"username": username}).first()
        if found is None:
            raise ProblemError(404, f"no user {username}")
        row, current = found
        changed = current is None or current.state != body.state.value or current.reason != body.reason
        if current is None:
            current = AgentStateRow(username=username, state=body.state.value, reason=body.reason, since=now)
            session.add(current)
        elif changed:
            current.state, current.reason, current.since = body.state.value, body.reason, now
        if changed:
            _log_state(session, username, body, now)
        _set_call(current, body, now)
        session.flush()
        agent = convert.agent(row, current)
        broker.record(session, EventKind.AGENT_STATE, agent.model_dump(mode="json"))
        if username != user.username:
            audit.command(session, user.username, username, "force_state",
                          {"state": body.state.value, "reason": body.reason}, action="set_state")
    board.touch(queues=[body.queue], agents=[username])
    return agent


_CALL_STATES = frozenset({AgentStateName.RINGING, AgentStateName.ON_CALL, AgentStateName.ACW})


def _set_call(row: AgentStateRow, body: AgentStateChange, now: datetime) -> None:
    """Keep the current call's fields while the agent is on it; forget them when they leave it."""
    if body.state not in _CALL_STATES:
        row.call_id = row.call_number = row.queue = None
        row.customer_id = row.call_started = row.hold_since = None
        if body.state == AgentStateName.LOGGED_OUT:
            row.hand_raised_at = None
        return
    if body.call_id is not None and body.call_id != row.call_id:
        row.call_id, row.call_started, row.hold_since = body.call_id, now, None
    elif row.call_started is None:
        row.call_started = now
    row.call_number = body.call_number or row.call_number
    row.customer_id = body.customer_id if body.customer_id is not None else row.customer_id
    row.queue = body.queue or row.queue
    if body.state != AgentStateName.ON_CALL or not body.on_hold:
        row.hold_since = None
    elif row.hold_since is None:
        row.hold_since = now


# Built once: the statements of every state change, so each change skips building and keying them anew.
_USER_AND_STATE = (
    select(UserRow, AgentStateRow)
    .outerjoin(AgentStateRow, AgentStateRow.username == UserRow.username)
    .where(UserRow.username == bindparam("username"))
)
_STATE_LOG = cast(Table, AgentStateLogRow.__table__)
_CLOSE_STRETCH = (
    update(_STATE_LOG)
    .where(_STATE_LOG.c.username == bindparam("who"), _STATE_LOG.c.ended_at.is_(None))
    .values(ended_at=bindparam("now"))
)
_OPEN_STRETCH = insert(_STATE_LOG).values(
    username=bindparam("who"), state=bindparam("state"), reason=bindparam("reason"),
    started_at=bindparam("now"), ended_at=None,
)


def _log_state(session: Session, username: str, body: AgentStateChange, now: datetime) -> None:
    # Core statements on the transaction's connection: no log row is ever loaded in this session, so
    # the ORM would have nothing to synchronise or track.
    connection = session.connection()
    connection.execute(_CLOSE_STRETCH, {"who": username, "now": now})
    connection.execute(_OPEN_STRETCH, {"who": username, "state": body.state.value, "reason": body.reason,
                                       "now": now})


@router.post("/{username}/commands", status_code=202)
def send_command(username: str, body: AgentCommand, user: CurrentUser, db: Db) -> Event:
    """Send a command to one agent's event stream (supervisors only); answers the event as stored.

    The command is audited; the desk acknowledges it with `POST /v1/commands/{event id}/ack`.
    """
    with db.write() as session:
        _user_row(session, username)
        _row, event = audit.command(session, user.username, username, body.command, dict(body.data))
        return event
