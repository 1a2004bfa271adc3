"""Escalation of work orders: the alert the backend's deadline watcher raises, and an order's timeline.

The watcher raises an `OrderAlert` when a segment of an order's life cycle is at risk or breached, and
when a dispatched order is not accepted in time (the `accept` segment). Alerts are stored (supervisors
list them with `GET /v1/order-alerts`) and streamed as `order_alert` events.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from agent_tui.domain.base import Model
from agent_tui.domain.sla import OrderAlertLevel
from agent_tui.domain.ticket import SlaDeadline, TicketStatus, TicketType

ACCEPT_SEGMENT = "accept"
"""The segment whose breach means: dispatched, and not accepted in time."""


class OrderAlert(Model):
    """One alert on one order's segment, raised once by the deadline watcher."""

    id: int
    ticket_id: int
    number: str = Field(description="The order's number, e.g. `GD20261205000123`.")
    segment: str = Field(description="`AB` … `GH`, `on_site`, `accept` (not accepted in time), or a "
                         "complaint segment.")
    level: OrderAlertLevel
    due_at: datetime = Field(description="The deadline that passed (for at_risk: the at-risk point).")
    raised_at: datetime = Field(description="When the watcher raised it.")
    filed_by: str = Field(description="The agent who filed the order.")
    status: TicketStatus = Field(description="The order's status when the alert was raised.")
    not_accepted: bool = Field(default=False, description="A dispatched order not accepted in time.")


class TimePoint(Model):
    """One lettered time point of a repair order (A created … H on site) and when it was last reached."""

    point: str = Field(description="`A` … `H`.")
    status: TicketStatus
    at: datetime | None = None


class OrderTimeline(Model):
    """`GET /v1/orders/{number}/timeline`: what a status query reads to the caller."""

    id: int
    number: str
    ticket_type: TicketType
    status: TicketStatus
    created_by: str
    points: list[TimePoint] = Field(default_factory=list, description="Repair orders: A … H in order.")
    deadlines: list[SlaDeadline] = Field(default_factory=list, description="SLA marks as of now.")
    alerts: list[OrderAlert] = Field(default_factory=list, description="Alerts raised on it, newest first.")
