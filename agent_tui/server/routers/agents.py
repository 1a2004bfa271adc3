"""`/v1/agents`: the directory with live states, own figures, state changes, commands to agents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent_tui.domain.agent import Agent, AgentCommand, AgentStateChange, AgentStateName
from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.events import Event
from agent_tui.domain.session import Role
from agent_tui.domain.supervision import AgentDayFigures
from agent_tui.server import audit, convert
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Board
from agent_tui.server.models import AgentStateRow, UserRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.state_changes import StateChange, Writer
from agent_tui.server.state_route import StateRoute, refusal
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


async def put_state(username: str, body: AgentStateChange, user: CurrentUser, writer: Writer) -> Agent:
    """Set a state: agents their own, supervisors anyone's (the agent is told by a command event).

    The call fields (call id, number, customer, queue, hold) feed the wallboard; every change of state
    also closes the agent's current stretch in the state log and opens the next one. Changes that
    arrive together are written in one transaction (`state_changes`). The ordinary request is answered
    by `state_route.StateRoute` with the same steps; this handler answers the rest.
    """
    refused = refusal(user, username, body)
    if refused is not None:
        raise refused
    return await writer.change(StateChange(username, body, by=user.username))


router.add_api_route("/{username}/state", put_state, methods=["PUT"], route_class_override=StateRoute)


@router.post("/{username}/commands", status_code=202)
def send_command(username: str, body: AgentCommand, user: CurrentUser, db: Db) -> Event:
    """Send a command to one agent's event stream (supervisors only); answers the event as stored.

    The command is audited; the desk acknowledges it with `POST /v1/commands/{event id}/ack`.
    """
    with db.write() as session:
        _user_row(session, username)
        _row, event = audit.command(session, user.username, username, body.command, dict(body.data))
        return event
