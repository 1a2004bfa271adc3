"""`/v1/agents`: the directory with live states, state changes, and supervisors' commands to agents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select
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
from agent_tui.server import broker, convert
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.models import AgentStateRow, UserRow
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


@router.put("/{username}/state")
def put_state(username: str, body: AgentStateChange, user: CurrentUser, db: Db) -> Agent:
    """Set a state: agents their own, supervisors anyone's (the agent is told by a command event)."""
    if user.role != Role.SUPERVISOR and username != user.username:
        raise ProblemError(403, "an agent may set only their own state")
    if body.state == AgentStateName.NOT_READY and body.reason is not None \
            and body.reason not in DEFAULT_NOT_READY_REASONS:
        known = ", ".join(DEFAULT_NOT_READY_REASONS)
        raise ProblemError(422, f"unknown reason code {body.reason!r} (known: {known})", field="body.reason")
    now = utc_now()
    with db.write() as session:
        row = _user_row(session, username)
        current = session.get(AgentStateRow, username)
        if current is None:
            current = AgentStateRow(username=username, state=body.state.value, reason=body.reason, since=now)
            session.add(current)
        elif current.state != body.state.value or current.reason != body.reason:
            current.state, current.reason, current.since = body.state.value, body.reason, now
        session.flush()
        agent = convert.agent(row, current)
        broker.record(session, EventKind.AGENT_STATE, agent.model_dump(mode="json"))
        if username != user.username:
            command = AgentCommand(command="set_state", data={
                "state": body.state.value, "reason": body.reason, "by": user.username,
            })
            broker.record(session, EventKind.COMMAND, command.model_dump(mode="json"), target=username)
    return agent


@router.post("/{username}/commands", status_code=202)
def send_command(username: str, body: AgentCommand, user: CurrentUser, db: Db) -> Event:
    """Send a command to one agent's event stream (supervisors only); answers the event as stored."""
    command = body.model_copy(update={"data": {**body.data, "by": user.username}})
    with db.write() as session:
        _user_row(session, username)
        return broker.record(session, EventKind.COMMAND, command.model_dump(mode="json"), target=username)
