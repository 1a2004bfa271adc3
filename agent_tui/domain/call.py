"""Call records: what happened on a call and how the agent wrapped it up."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agent_tui.domain.base import LongText, Model, ShortText

PICKED_UP = "picked_up"
"""`disposition` of a call a supervisor picked up (代接) while it rang at the agent: the agent's desk
answered it only to move it, so it is not a call the agent handled (figures leave it out)."""


class Direction(StrEnum):
    """Who placed the call."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallRecord(Model):
    """Body of `POST /v1/calls`: one call, sent when it ends and again after wrap-up.

    Posting the same `call_id` again updates the record, so a retried or later post is safe.
    """

    call_id: str = Field(min_length=1, max_length=128)
    direction: Direction = Direction.INBOUND
    number: ShortText = ""
    agent: str | None = None
    customer_id: int | None = None
    queue: ShortText | None = None
    offered_at: datetime | None = Field(default=None, description="When the call reached us.")
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    talk_s: float = Field(default=0, ge=0, description=(
        "answered → ended minus hold (`domain.figures.talk_seconds`); the backend's figures derive it "
        "from answered_at, ended_at and hold_s when both times are given."))
    hold_s: float = Field(default=0, ge=0, description="Time on hold during the call.")
    acw_s: float = Field(default=0, ge=0, description="After-call work (wrap-up) after the call ended.")
    end_reason: ShortText = ""
    disposition: ShortText | None = None
    first_call_resolved: bool | None = None
    transfer_reason: ShortText | None = None
    notes: LongText = ""
    ticket_ids: list[int] = Field(default_factory=list)
    pop_latency_ms: float | None = Field(default=None, ge=0)
    recording: str | None = None
    training: bool = False
