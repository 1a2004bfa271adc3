"""Agent states (签入/示闲/示忙/话后处理) and queue statistics."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agent_tui.domain.base import Model, ShortText
from agent_tui.domain.session import Role


class AgentStateName(StrEnum):
    """Where an agent is in the working day."""

    LOGGED_OUT = "logged_out"
    READY = "ready"
    NOT_READY = "not_ready"
    RINGING = "ringing"
    ON_CALL = "on_call"
    ACW = "acw"
    """After-call work (话后处理)."""


DEFAULT_NOT_READY_REASONS: tuple[str, ...] = (
    "break", "meal", "meeting", "training", "coaching", "phone_offline", "missed_call", "other",
)
"""Reason codes the reference backend offers for Not Ready."""


class AgentStateChange(Model):
    """Body of `PUT /v1/agents/{id}/state`."""

    state: AgentStateName
    reason: ShortText | None = Field(default=None, description="Reason code when Not Ready.")
    call_id: str | None = Field(default=None, max_length=128,
                                description="The call the agent is ringing with, talking on or wrapping up.")
    call_number: ShortText | None = Field(default=None, description="The other party's number.")
    customer_id: int | None = None
    queue: ShortText | None = None
    on_hold: bool = Field(default=False, description="The call is on hold (the wallboard times it).")


class AgentState(AgentStateChange):
    """An agent's state and since when."""

    since: datetime


class Agent(Model):
    """An agent as the wallboard and the transfer directory see it."""

    username: str
    display_name: str
    role: Role = Role.AGENT
    team: str | None = None
    extension: str | None = None
    state: AgentState


class QueueStats(Model):
    """Live figures of one queue (the wallboard extends it as `domain.supervision.QueueFigures`)."""

    queue: str
    waiting: int = Field(default=0, ge=0)
    longest_wait_s: float = Field(default=0.0, ge=0)
    offered: int = Field(default=0, ge=0)
    answered: int = Field(default=0, ge=0)
    abandoned: int = Field(default=0, ge=0)
    service_level: float | None = Field(default=None, ge=0, le=1)
    answer_rate: float | None = Field(default=None, ge=0, le=1)
    abandon_rate: float | None = Field(default=None, ge=0, le=1)
    asa_s: float | None = None
    aht_s: float | None = None
    sl_threshold_s: int = 20


class AgentCommand(Model):
    """Body of `POST /v1/agents/{id}/commands`: a supervisor's command to one agent.

    It reaches the agent's desk as a `command` event on the event stream, meant for that agent only.
    """

    command: str = Field(pattern=r"^[a-z][a-z_]{0,39}$",
                         description="e.g. force_ready, force_not_ready, release, transfer, coach.")
    data: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
