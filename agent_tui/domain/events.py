"""Live events streamed by `GET /v1/events` (Server-Sent Events)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from agent_tui.domain.base import Model


class EventKind(StrEnum):
    """What an event is about; the SSE `event:` field."""

    AGENT_STATE = "agent_state"
    QUEUE_STATS = "queue_stats"
    TICKET = "ticket"
    CALL = "call"
    COMMAND = "command"
    """A command to one agent: force state, release, coaching note, ..."""
    TRAINING = "training"
    """Trainer mode: a trainee's progress or result, for trainers."""
    AGENT_ROWS = "agent_rows"
    """Changed wallboard rows of agents (`domain.supervision.AgentRows`), supervisors only."""
    ALERT = "alert"
    """A wallboard alert raised or cleared (`domain.supervision.Alert`), supervisors only."""
    CALLBACK = "callback"
    """A callback was added, claimed or done (`domain.callbacks.Callback`)."""
    ORDER_ALERT = "order_alert"
    """A work order's segment is at risk or breached, or a dispatched order was not accepted in time
    (`domain.escalation.OrderAlert`): supervisors, and the filing agent when the server says so."""


class Event(Model):
    """One live event; `id` increases and resumes a stream through Last-Event-ID."""

    id: int
    kind: EventKind
    at: datetime
    target: str | None = Field(default=None, description="Username the event is for; none: all.")
    data: dict[str, Any] = Field(default_factory=dict)
