"""The audit trail of supervisor actions, and commands to desks that the desk acknowledges."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from agent_tui.domain.agent import AgentCommand
from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.supervision import AuditEntry, CommandStatus
from agent_tui.server import broker
from agent_tui.server.models import AuditRow


def record(
    session: Session, actor: str, action: str, *, agent: str | None = None, call_id: str | None = None,
    detail: dict[str, Any] | None = None, status: str = "",
) -> AuditRow:
    """Add an audit entry to the session's transaction."""
    row = AuditRow(at=utc_now(), actor=actor, action=action, agent=agent, call_id=call_id,
                   detail=dict(detail or {}), status=status, ack_detail="")
    session.add(row)
    session.flush()
    return row


def command(
    session: Session, actor: str, agent: str, name: str, data: dict[str, Any], *, action: str | None = None,
    call_id: str | None = None,
) -> tuple[AuditRow, Event]:
    """Send a command to `agent`'s event stream and audit it; the event id is the command id to ack."""
    payload = AgentCommand(command=name, data={**data, "by": actor})
    event = broker.record(session, EventKind.COMMAND, payload.model_dump(mode="json"), target=agent)
    row = record(session, actor, action or name, agent=agent, call_id=call_id,
                 detail={k: v for k, v in data.items() if v is not None}, status=CommandStatus.SENT.value)
    row.command_id = event.id
    session.flush()
    return row, event


def entry(row: AuditRow) -> AuditEntry:
    """An audit row as an `AuditEntry`."""
    detail = dict(row.detail)
    if row.ack_detail:
        detail["ack"] = row.ack_detail
    return AuditEntry(id=row.id, at=row.at, actor=row.actor, action=row.action, agent=row.agent,
                      call_id=row.call_id, detail=detail, command_id=row.command_id, status=row.status)
