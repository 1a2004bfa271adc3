"""Return visits (回访) as the desk sees them: the work list, an attempt, and where one stands."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agent_tui.domain.base import Model, ShortText
from agent_tui.domain.ticket import ReturnVisit, TicketType


class ReturnVisitStatus(StrEnum):
    """Where a return visit stands."""

    DUE = "due"
    """Waiting for an agent (it may not be due yet: see `due_at`)."""
    CLAIMED = "claimed"
    """An agent is calling the customer."""
    DONE = "done"
    """The opinion was recorded; the order is closed or reopened."""
    GIVEN_UP = "given_up"
    """Unreachable as often as the server allows; supervisors see it."""


class ReturnVisitItem(Model):
    """One line of the return-visit list: whom to call about which order, and since when."""

    id: int
    ticket_id: int
    number: str = Field(description="The order's number, e.g. `GD20261122000123`.")
    ticket_type: TicketType
    customer_id: int | None = None
    customer_name: str | None = None
    phone: str | None = Field(default=None, description="The number to call (the order's contact phone).")
    status: ReturnVisitStatus
    due_at: datetime
    attempts: int = Field(ge=0, description="Calls that did not reach the customer.")
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    last_note: str = ""
    done_at: datetime | None = None
    result: ReturnVisit | None = None


class ReturnVisitAttempt(Model):
    """Body of `POST /v1/return-visits/{id}/attempts`: a call that did not reach the customer."""

    note: ShortText = Field(default="", description="e.g. no answer, busy, switched off.")
