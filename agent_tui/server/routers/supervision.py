"""Supervision: PBX queue events, the wallboard, interventions, monitor tokens, command acks, raised
hands, the phone's config, and the audit trail."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import Page, utc_now
from agent_tui.domain.supervision import (
    MONITOR_MODES,
    Alert,
    AlertKind,
    AlertLevel,
    AuditEntry,
    CommandAck,
    CommandState,
    CommandStatus,
    InterventionKind,
    InterventionRequest,
    InterventionResult,
    MonitorToken,
    MonitorTokenRequest,
    PhoneConfig,
    QueueEventBatch,
    QueueEventKind,
    QueueEventResult,
    RaiseHand,
    WallboardSnapshot,
    ack_deadline_s,
)
from agent_tui.server import audit, queue_calls
from agent_tui.server.auth import AuthUser, CurrentUser, Db
from agent_tui.server.deps import Board, Settings, Signer
from agent_tui.server.live import ON_CALL_STATES, PHONE_OFFLINE
from agent_tui.server.models import AgentStateRow, AuditRow, UserRow
from agent_tui.server.monitoring import MonitorSigner
from agent_tui.server.problems import ProblemError
from agent_tui.server.store import PageParams, RowId

router = APIRouter(tags=["supervision"])


# ---- queue events and the wallboard ------------------------------------------------------------


@router.post("/v1/queue-events")
def post_queue_events(body: QueueEventBatch, _user: CurrentUser, db: Db, board: Board,
                      settings: Settings) -> QueueEventResult:
    """Queue events from the PBX side (enqueued, answered, abandoned, overflow); repeats are ignored."""
    for event in body.events:
        if event.at.tzinfo is None:
            raise ProblemError(422, "needs a time zone", field="body.events.at")
    accepted = 0
    with db.write() as session:
        for event in sorted(body.events, key=lambda e: e.at):
            accepted += queue_calls.apply_event(session, event, settings.short_abandon_s)
    board.touch(queues=[e.queue for e in body.events],
                agents=[e.agent for e in body.events if e.kind == QueueEventKind.ANSWERED])
    return QueueEventResult(accepted=accepted, duplicates=len(body.events) - accepted)


@router.get("/v1/wallboard")
def get_wallboard(_user: CurrentUser, db: Db, board: Board) -> WallboardSnapshot:
    """Everything the wallboard paints; then follow `GET /v1/events` from `last_event_id`."""
    with db.read() as session:
        return board.live.snapshot(session, utc_now())


# ---- interventions -----------------------------------------------------------------------------


def _agent(session: Session, username: str) -> tuple[UserRow, AgentStateRow | None]:
    user = session.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
    if user is None:
        raise ProblemError(404, f"no user {username}")
    return user, session.get(AgentStateRow, username)


def _require_online(username: str, what: str, state: AgentStateRow | None) -> AgentStateRow:
    if state is None or state.state == AgentStateName.LOGGED_OUT.value:
        raise ProblemError(409, f"{username} is logged out: {what} needs an agent who is logged in")
    if state.reason == PHONE_OFFLINE:
        since = state.since.astimezone(UTC).strftime("%H:%M:%S UTC")
        raise ProblemError(409, f"{username}'s phone is offline (since {since}): {what} is not possible")
    return state


def _monitor(session: Session, signer: MonitorSigner, supervisor: str, username: str,
             mode: InterventionKind) -> tuple[MonitorToken, AuditRow]:
    user, state = _agent(session, username)
    _require_online(username, mode.value, state)
    token, expires = signer.sign(username, mode.value, supervisor, time.time())
    answer = MonitorToken(token=token, mode=mode, agent=username, sip_target=user.extension or username,
                          expires_at=datetime.fromtimestamp(expires, UTC))
    row = audit.record(session, supervisor, mode.value, agent=username,
                       call_id=state.call_id if state is not None else None,
                       detail={"expires_at": answer.expires_at.isoformat()})
    return answer, row


@router.post("/v1/monitor-tokens", status_code=201)
def post_monitor_token(body: MonitorTokenRequest, user: CurrentUser, db: Db, signer: Signer) -> MonitorToken:
    """A short-lived token for the supervisor's phone to listen, whisper or barge on an agent's calls."""
    signer.secret()  # made (once) outside the transaction below: SQLite has a single writer
    with db.write() as session:
        token, _row = _monitor(session, signer, user.username, body.agent, body.mode)
    return token


@router.post("/v1/interventions", status_code=202)
def post_intervention(body: InterventionRequest, user: CurrentUser, db: Db, signer: Signer,
                      board: Board) -> InterventionResult:
    """An intervention on an agent, audited; desk commands go out on the agent's event stream."""
    signer.secret()  # made (once) outside the transaction below: SQLite has a single writer
    with db.write() as session:
        if body.kind in MONITOR_MODES:
            token, row = _monitor(session, signer, user.username, body.agent, body.kind)
            return InterventionResult(audit_id=row.id, kind=body.kind, agent=body.agent, monitor=token)
        target, state = _agent(session, body.agent)
        current = _require_online(body.agent, body.kind.value, state)
        call_id = body.call_id or current.call_id
        name, data = _command(body, current, call_id, _extension(session, user))
        row, event = audit.command(session, user.username, body.agent, name, data, action=body.kind.value,
                                   call_id=call_id)
    board.touch(agents=[target.username])
    return InterventionResult(audit_id=row.id, kind=body.kind, agent=body.agent, command_id=event.id)


def _extension(session: Session, user: AuthUser) -> str:
    row = session.execute(select(UserRow.extension).where(UserRow.id == user.id)).scalar_one_or_none()
    return row or user.username


def _command(body: InterventionRequest, state: AgentStateRow, call_id: str | None,
             supervisor_extension: str) -> tuple[str, dict[str, str | None]]:
    """The desk command for an intervention: (command, data)."""
    kind = body.kind
    if kind == InterventionKind.FORCE_READY:
        return "force_state", {"state": AgentStateName.READY.value}
    if kind == InterventionKind.FORCE_NOT_READY:
        return "force_state", {"state": AgentStateName.NOT_READY.value, "reason": body.reason or "other"}
    if kind == InterventionKind.COACH:
        return "coach", {"text": body.text}
    if kind == InterventionKind.PICKUP:
        if state.state != AgentStateName.RINGING.value:
            raise ProblemError(409, f"{body.agent} has no ringing call to pick up (state {state.state})")
        return "pickup", {"call_id": call_id, "to": supervisor_extension}
    if state.state not in ON_CALL_STATES:
        raise ProblemError(409, f"{body.agent} is not on a call (state {state.state})")
    if kind == InterventionKind.FORCE_RELEASE:
        return "force_release", {"call_id": call_id}
    return "force_transfer", {"call_id": call_id, "target": body.target}


ACK_REASON_KEY = "ack_reason"
"""Where an ack's reason code is kept in the audit row's detail (no column of its own)."""


def command_state(row: AuditRow, now: datetime) -> CommandState:
    """The command as the supervisor sees it; unacknowledged past its deadline is not delivered.

    Worked out when read, not by a timer: nothing to run or lose across a restart, and an ack that
    arrives late still counts (it was carried out after all).
    """
    status = CommandStatus(row.status) if row.status else CommandStatus.SENT
    sent_at = _aware(row.at)
    if status == CommandStatus.SENT and (now - sent_at).total_seconds() > ack_deadline_s(row.action):
        status = CommandStatus.NOT_DELIVERED
    reason = row.detail.get(ACK_REASON_KEY) if isinstance(row.detail, dict) else None
    return CommandState(command_id=row.command_id or 0, agent=row.agent or "", command=row.action,
                        status=status, reason=str(reason or ""), detail=row.ack_detail, sent_at=sent_at,
                        acknowledged_at=_aware(row.ack_at) if row.ack_at is not None else None)


def _command_row(session: Session, command_id: int) -> AuditRow:
    row = session.execute(select(AuditRow).where(AuditRow.command_id == command_id)).scalar_one_or_none()
    if row is None:
        raise ProblemError(404, f"no command {command_id}")
    return row


@router.post("/v1/commands/{command_id}/ack")
def ack_command(command_id: RowId, body: CommandAck, user: CurrentUser, db: Db) -> CommandState:
    """The commanded desk reports a command applied (or refused, with why); the audit trail records it."""
    with db.write() as session:
        row = _command_row(session, command_id)
        if row.agent != user.username:
            raise ProblemError(403, f"command {command_id} was sent to another agent")
        if row.ack_at is None:
            row.status = (CommandStatus.DONE if body.ok else CommandStatus.FAILED).value
            row.ack_at, row.ack_detail = utc_now(), body.detail
            if body.reason:
                row.detail = {**row.detail, ACK_REASON_KEY: body.reason}  # a new dict: saved as changed
        return command_state(row, utc_now())


@router.get("/v1/commands/{command_id}")
def get_command(command_id: RowId, _user: CurrentUser, db: Db) -> CommandState:
    """A command's outcome for the supervisor: sent, applied, refused (with why) or not delivered."""
    with db.read() as session:
        return command_state(_command_row(session, command_id), utc_now())


@router.post("/v1/raise-hand")
def raise_hand(body: RaiseHand, user: CurrentUser, db: Db, board: Board) -> Alert:
    """An agent raises (or lowers) a hand; supervisors see a `raised_hand` alert."""
    now = utc_now()
    with db.write() as session:
        state = session.get(AgentStateRow, user.username)
        if state is None or state.state == AgentStateName.LOGGED_OUT.value:
            raise ProblemError(409, "log in (set a state) before raising a hand")
        if body.up and state.hand_raised_at is None:
            state.hand_raised_at = now
            audit.record(session, user.username, "raise_hand", agent=user.username, call_id=state.call_id,
                         detail={"text": body.text} if body.text else {})
        elif not body.up:
            state.hand_raised_at = None
        since = state.hand_raised_at or now
    board.touch(agents=[user.username])
    key = f"{AlertKind.RAISED_HAND.value}:{user.username}"
    return Alert(key=key, kind=AlertKind.RAISED_HAND, level=AlertLevel.WARNING, since=since,
                 agent=user.username, detail=body.text, cleared=not body.up)


@router.get("/v1/phone-config")
def phone_config(user: CurrentUser, db: Db, signer: Signer, settings: Settings) -> PhoneConfig:
    """What the caller's phone needs: its own key to verify monitor tokens, and the monitoring policy."""
    with db.read() as session:
        extension = _extension(session, user)
    return PhoneConfig(username=user.username, extension=extension,
                       monitor_key=signer.key_for(user.username), show_monitored=settings.show_monitored,
                       monitor_token_ttl_s=settings.monitor_token_ttl_s)


@router.get("/v1/audit")
def list_audit(
    _user: CurrentUser, db: Db, paging: PageParams,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
) -> Page[AuditEntry]:
    """The audit trail, newest first."""
    query = select(AuditRow)
    if actor:
        query = query.where(AuditRow.actor == actor)
    if agent:
        query = query.where(AuditRow.agent == agent)
    if action:
        query = query.where(AuditRow.action == action)
    if since is not None:
        query = query.where(AuditRow.at >= _aware(since))
    if until is not None:
        query = query.where(AuditRow.at < _aware(until))
    with db.read() as session:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = session.execute(
            query.order_by(AuditRow.id.desc()).limit(paging.limit).offset(paging.offset)
        ).scalars().all()
        return Page[AuditEntry](items=[audit.entry(r) for r in rows], total=total, limit=paging.limit,
                                offset=paging.offset)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

