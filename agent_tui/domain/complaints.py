"""The complaint closed loop (投诉闭环) as supervisors work it: assign, handled, customer informed, closed.

One copy of the rule, shared by the backend (`POST /v1/complaints/{number}/{step}`) and the monitor's
orders panel (which offers only the step that follows). Each step is a move of the complaint's life
cycle (`ticket.allowed_transitions`), with one exception: a supervisor may close a complaint once the
customer has been told the result, without waiting for the return visit. The loop is then done by
the supervisor's decision (audited with the note given), and the return visit no longer falls due
for a closed order.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from agent_tui.domain.base import Model, ShortText
from agent_tui.domain.ticket import TicketStatus, TicketType, allowed_transitions

S = TicketStatus


class ComplaintStep(StrEnum):
    """One step of the loop, named as the supervisor says it."""

    ASSIGN = "assign"
    """Assign the complaint to the department that handles it."""
    HANDLE = "handle"
    """Record that the department handled it (and how)."""
    INFORM = "inform"
    """Record that the customer was told the result."""
    CLOSE = "close"
    """Close the loop."""


STEP_STATUS: dict[ComplaintStep, TicketStatus] = {
    ComplaintStep.ASSIGN: S.ASSIGNED,
    ComplaintStep.HANDLE: S.HANDLED,
    ComplaintStep.INFORM: S.INFORMED,
    ComplaintStep.CLOSE: S.CLOSED,
}
"""The status each step moves a complaint to."""

_CLOSE_EARLY = frozenset({S.INFORMED})
"""Statuses a supervisor may close from besides those the life cycle allows (see the module)."""


class ComplaintStepRefused(ValueError):
    """A step that does not fit the complaint now; `reason` says why in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ComplaintStepBody(Model):
    """Body of a complaint step: the department (assign only) and a note for the timeline."""

    department: ShortText | None = Field(
        default=None, min_length=1, description="Assign: the department that handles the complaint.")
    note: ShortText = Field(default="", description="What was done, for the timeline and the audit trail.")


def complaint_move(ticket_type: TicketType, status: TicketStatus, step: ComplaintStep) -> TicketStatus:
    """The status `step` moves a complaint in `status` to; raises ComplaintStepRefused when it may not."""
    if ticket_type != TicketType.COMPLAINT:
        raise ComplaintStepRefused(f"a {ticket_type.value} order is not a complaint")
    target = STEP_STATUS[step]
    if target in allowed_transitions(ticket_type, status):
        return target
    if step == ComplaintStep.CLOSE and status in _CLOSE_EARLY:
        return target
    raise ComplaintStepRefused(
        f"{step.value} does not follow {status.value} (the complaint is {status.value})")


def next_step(status: TicketStatus) -> ComplaintStep | None:
    """The step that follows a complaint in `status` (None: nothing for a supervisor to do now)."""
    for step in ComplaintStep:
        try:
            complaint_move(TicketType.COMPLAINT, status, step)
        except ComplaintStepRefused:
            continue
        return step
    return None
