"""Work orders (工单): types, the status life cycle, SLA deadlines and the return visit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agent_tui.domain.base import JsonScalar, LongText, Model, ShortText


class TicketType(StrEnum):
    """The business a work order belongs to."""

    REPAIR = "repair"
    COMPLAINT = "complaint"
    CONSULTATION = "consultation"
    SUGGESTION = "suggestion"
    APPLICATION = "application"


class TicketStatus(StrEnum):
    """Every step a work order can be in; which steps apply depends on its type."""

    CREATED = "created"
    """Taken by the hotline (time point A: the customer hangs up)."""
    ISSUED = "issued"
    """B: issued by the hotline."""
    RECEIVED = "received"
    """C: reached the repair centre."""
    FORWARDED = "forwarded"
    """D: forwarded by the repair centre."""
    DISPATCHED = "dispatched"
    """E: reached the field team."""
    ACCEPTED = "accepted"
    """F: the field team accepted it."""
    DEPARTED = "departed"
    """G: the field team left."""
    ON_SITE = "on_site"
    """H: the field team is on site."""
    ASSIGNED = "assigned"
    """A complaint or application assigned to the department that handles it."""
    HANDLED = "handled"
    """Fixed, or handled by the department."""
    INFORMED = "informed"
    """The result was told to the customer."""
    VISITED = "visited"
    """The return visit (回访) was made."""
    CLOSED = "closed"
    RECALLED = "recalled"
    """Sent to the wrong department and taken back; it is issued again from here."""
    CANCELLED = "cancelled"


S = TicketStatus

_REPAIR_FLOW = (S.CREATED, S.ISSUED, S.RECEIVED, S.FORWARDED, S.DISPATCHED, S.ACCEPTED,
                S.DEPARTED, S.ON_SITE, S.HANDLED, S.VISITED, S.CLOSED)
_COMPLAINT_FLOW = (S.CREATED, S.ASSIGNED, S.HANDLED, S.INFORMED, S.VISITED, S.CLOSED)
_APPLICATION_FLOW = (S.CREATED, S.ASSIGNED, S.HANDLED, S.INFORMED, S.CLOSED)
_SIMPLE_FLOW = (S.CREATED, S.HANDLED, S.CLOSED)

FLOWS: dict[TicketType, tuple[TicketStatus, ...]] = {
    TicketType.REPAIR: _REPAIR_FLOW,
    TicketType.COMPLAINT: _COMPLAINT_FLOW,
    TicketType.APPLICATION: _APPLICATION_FLOW,
    TicketType.CONSULTATION: _SIMPLE_FLOW,
    TicketType.SUGGESTION: _SIMPLE_FLOW,
}
"""The main line of each type's life cycle, in order."""

_RECALLABLE = frozenset({S.ISSUED, S.RECEIVED, S.FORWARDED, S.DISPATCHED, S.ASSIGNED})


def allowed_transitions(ticket_type: TicketType, status: TicketStatus) -> frozenset[TicketStatus]:
    """The statuses a ticket of this type may move to from `status`.

    The main line moves one step at a time (the repair centre may skip forwarding when the field
    team is its own); a wrongly routed order is recalled and issued or assigned again; anything
    not yet closed may be cancelled.
    """
    flow = FLOWS[ticket_type]
    if status in (S.CLOSED, S.CANCELLED):
        return frozenset()
    nexts: set[TicketStatus] = {S.CANCELLED}
    if status == S.RECALLED:
        nexts.add(flow[1])
        return frozenset(nexts)
    if status in flow:
        index = flow.index(status)
        if index + 1 < len(flow):
            nexts.add(flow[index + 1])
        if status == S.RECEIVED:
            nexts.add(S.DISPATCHED)
    if status in _RECALLABLE:
        nexts.add(S.RECALLED)
    return frozenset(nexts)


class TimelineEntry(Model):
    """When a ticket reached a status, and who moved it there."""

    status: TicketStatus
    at: datetime
    by: str | None = None
    note: ShortText = ""


class SlaDeadline(Model):
    """One time limit of the life cycle, from one status to another."""

    segment: str = Field(description="Name of the segment, e.g. `AB` or `on_site`.")
    start: TicketStatus
    end: TicketStatus
    limit_minutes: int = Field(gt=0)
    due_at: datetime | None = Field(default=None, description="Known once `start` is reached.")
    met_at: datetime | None = Field(default=None, description="When `end` was reached.")
    breached: bool = False
    skipped: bool = Field(
        default=False, description="The order went past `end` without reaching it (received → dispatched "
        "skips forwarding): the segment was not taken and is never breached.")


class Attitude(StrEnum):
    """The customer's view of the staff on the return visit."""

    SATISFIED = "satisfied"
    AVERAGE = "average"
    UNSATISFIED = "unsatisfied"


class ReturnVisit(Model):
    """The customer's opinion taken on the return visit (回访)."""

    resolved: bool
    attitude: Attitude
    charged: bool = False
    score: int = Field(ge=1, le=10)
    suggestion: LongText = ""
    at: datetime | None = None
    by: str | None = None


class TicketCreate(Model):
    """Body of `POST /v1/tickets`: what the agent captured on a work-order screen."""

    ticket_type: TicketType
    customer_id: int | None = None
    call_id: str | None = Field(default=None, max_length=128)
    screen_id: str | None = Field(default=None, max_length=64)
    screen_version: int | None = Field(
        default=None, ge=1, description="Version of the screen the order was filed with (default: newest)."
    )
    subject: ShortText = ""
    description: LongText = ""
    fields: dict[str, JsonScalar] = Field(default_factory=dict, description="Answers by field id.")
    priority: int = Field(default=3, ge=1, le=5)
    training: bool = Field(default=False, description="Made in a training call; kept apart.")


class TicketPatch(Model):
    """Body of `PATCH /v1/tickets/{id}`: a status move, an assignee, a return visit or notes."""

    status: TicketStatus | None = None
    assignee: ShortText | None = None
    note: ShortText = ""
    return_visit: ReturnVisit | None = None
    description: LongText | None = None


class Ticket(TicketCreate):
    """A work order as the backend stores it."""

    id: int
    number: str = Field(description="Human-readable number, e.g. `GD20261122000123`.")
    status: TicketStatus
    created_by: str
    assignee: str | None = None
    created_at: datetime
    updated_at: datetime
    timeline: list[TimelineEntry] = Field(default_factory=list)
    deadlines: list[SlaDeadline] = Field(default_factory=list)
    return_visit: ReturnVisit | None = None


# ---- the field side of the life cycle ----------------------------------------------------------------


class FieldStep(StrEnum):
    """A step a repair centre or field team reports through the field API, and the status it reaches."""

    RECEIVE = "receive"
    """C: the order reached the repair centre."""
    FORWARD = "forward"
    """D: the repair centre forwarded it to a field team."""
    DISPATCH = "dispatch"
    """E: the field team has it."""
    ACCEPT = "accept"
    """F: the field team accepted it."""
    DEPART = "depart"
    """G: the field team left."""
    ON_SITE = "on_site"
    """H: the field team is on site."""
    FIXED = "fixed"
    """The fault is fixed (the order is `handled`): the return visit falls due."""
    RECALL = "recall"
    """The order was sent to the wrong department: taken back, to be issued again by the hotline."""


FIELD_STEP_STATUS: dict[FieldStep, TicketStatus] = {
    FieldStep.RECEIVE: S.RECEIVED,
    FieldStep.FORWARD: S.FORWARDED,
    FieldStep.DISPATCH: S.DISPATCHED,
    FieldStep.ACCEPT: S.ACCEPTED,
    FieldStep.DEPART: S.DEPARTED,
    FieldStep.ON_SITE: S.ON_SITE,
    FieldStep.FIXED: S.HANDLED,
    FieldStep.RECALL: S.RECALLED,
}
"""The status each field step moves a repair order to."""


class FieldStepRefused(ValueError):
    """A field step that does not fit the order's life cycle now; `reason` says why in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def field_move(ticket_type: TicketType, status: TicketStatus, step: FieldStep) -> TicketStatus:
    """The status `step` moves an order in `status` to; raises FieldStepRefused when it may not.

    Only repair orders have field steps. A recalled order takes none until the hotline issues it
    again; every other step must be one the life cycle allows from the current status.
    """
    if ticket_type != TicketType.REPAIR:
        raise FieldStepRefused(f"a {ticket_type.value} order has no field steps (only repair orders do)")
    if status == S.RECALLED:
        raise FieldStepRefused("the order was recalled: it takes no field step until the hotline issues it "
                               "again")
    if status == S.CREATED:
        raise FieldStepRefused("the hotline has not issued the order yet")
    target = FIELD_STEP_STATUS[step]
    if target not in allowed_transitions(ticket_type, status):
        raise FieldStepRefused(f"{step.value} does not follow {status.value} (the order is {status.value})")
    return target


class FieldReport(Model):
    """Body of a field step: when it happened by the reporting system's clock, and what it adds."""

    at: datetime | None = Field(
        default=None, description="When the step happened (ISO 8601 with an offset); may be earlier than "
        "the report arrives, never before the order's previous step nor in the future. Default: now.")
    note: ShortText = Field(default="", description="Free text for the timeline (a recall's reason).")
    same_site: bool | None = Field(
        default=None, description="On dispatch or accept: the field team works from the repair centre's own "
        "site (the DE limit is then the same-site one).")
    team: ShortText | None = Field(default=None, description="The field team's name, for the timeline.")
