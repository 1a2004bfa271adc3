"""Segment time limits of the life cycle (95598 hotline rules) and how they are judged.

The one copy of the rule: the server judges every ticket's deadlines here, and desks show what the
server answered. The limits themselves are settings (`SlaLimits`, the `[sla]` table of the server's
config file), so a site with other rules changes a file, not the code.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field

from agent_tui.domain.base import JsonScalar, Model
from agent_tui.domain.ticket import FLOWS, SlaDeadline, TicketStatus, TicketType, TimelineEntry

S = TicketStatus

SAME_SITE_FIELD = "same_site"
"""Answer of a work-order screen saying the field team works from the repair centre's own site:
the DE segment then has `de_same_site` minutes instead of `de_other_site`."""


Minutes = Annotated[int, Field(gt=0, le=60 * 24 * 60)]
"""A limit in whole minutes, at most 60 days."""


class SlaLimits(Model):
    """The time limits, in minutes, of the segments between the time points of a work order.

    A repair order runs A created → B issued → C received → D forwarded → E dispatched → F accepted →
    G departed → H on site; complaints run created → assigned → handled → closed.
    """

    model_config = Model.model_config | {"frozen": True}

    ab: Minutes = Field(default=2, description="A customer hangs up → B the hotline issues the order.")
    bc: Minutes = Field(default=4, description="B issued → C the order reaches the repair centre.")
    cd: Minutes = Field(default=2, description="C received → D the repair centre forwards it.")
    de_same_site: Minutes = Field(
        default=2, description="D forwarded → E the field team has it, the team on the centre's site.")
    de_other_site: Minutes = Field(
        default=4, description="D forwarded → E the field team has it, the team on another site.")
    ef: Minutes = Field(default=2, description="E dispatched → F the field team accepts.")
    fg: Minutes = Field(default=3, description="F accepted → G the field team departs.")
    gh: Minutes = Field(default=28, description="G departed → H the field team is on site.")
    on_site: Minutes = Field(default=45, description="A created → H on site: the promise to the customer.")
    accept: Minutes = Field(
        default=4, description="E dispatched → F accepted: an order not accepted by then escalates.")
    complaint_assign: Minutes = Field(
        default=60, description="A complaint is assigned to the department that handles it.")
    complaint_handle: Minutes = Field(default=24 * 60, description="A complaint is handled.")
    complaint_close: Minutes = Field(
        default=5 * 24 * 60, description="A complaint is closed (the loop is done).")

    def segments(
        self, ticket_type: TicketType, fields: dict[str, JsonScalar] | None = None
    ) -> tuple[tuple[str, TicketStatus, TicketStatus, int], ...]:
        """(name, from, to, minutes) of the segments a ticket of this type is timed on."""
        if ticket_type == TicketType.REPAIR:
            same_site = bool((fields or {}).get(SAME_SITE_FIELD) is True)
            return (
                ("AB", S.CREATED, S.ISSUED, self.ab),
                ("BC", S.ISSUED, S.RECEIVED, self.bc),
                ("CD", S.RECEIVED, S.FORWARDED, self.cd),
                ("DE", S.FORWARDED, S.DISPATCHED, self.de_same_site if same_site else self.de_other_site),
                ("EF", S.DISPATCHED, S.ACCEPTED, self.ef),
                ("FG", S.ACCEPTED, S.DEPARTED, self.fg),
                ("GH", S.DEPARTED, S.ON_SITE, self.gh),
                ("on_site", S.CREATED, S.ON_SITE, self.on_site),
                ("accept", S.DISPATCHED, S.ACCEPTED, self.accept),
            )
        if ticket_type == TicketType.COMPLAINT:
            return (
                ("assign", S.CREATED, S.ASSIGNED, self.complaint_assign),
                ("handle", S.CREATED, S.HANDLED, self.complaint_handle),
                ("close", S.CREATED, S.CLOSED, self.complaint_close),
            )
        return ()


_FINAL = (S.CLOSED, S.CANCELLED)


def deadlines(
    ticket_type: TicketType,
    timeline: list[TimelineEntry],
    now: datetime,
    limits: SlaLimits,
    fields: dict[str, JsonScalar] | None = None,
) -> list[SlaDeadline]:
    """The SLA deadlines of a ticket given its timeline, each marked met, skipped or breached as of `now`.

    The latest time a status was reached counts, so a recalled and reissued order is timed from its
    reissue. A segment the order did not take is skipped, never breached: it went past the segment's
    end without reaching it (received → dispatched skips forwarding: CD), or it was recalled. A closed
    or cancelled order stops the clocks of the segments it left open: they are breached only if due
    before it ended.
    """
    reached: dict[TicketStatus, datetime] = {}
    for entry in timeline:
        reached[entry.status] = entry.at
    flow = FLOWS[ticket_type]
    last = timeline[-1] if timeline else None
    clock = last.at if last is not None and last.status in _FINAL else now
    result: list[SlaDeadline] = []
    for name, start, end, minutes in limits.segments(ticket_type, fields):
        started = reached.get(start)
        due = started + timedelta(minutes=minutes) if started else None
        met = reached.get(end)
        if met is not None and started is not None and met < started:
            met = None
        # A recalled order goes back to be issued again: the segments it was in when recalled were not
        # taken (those timed from its creation, like the 45-minute promise, keep running).
        recalled = reached.get(S.RECALLED)
        went_back = recalled is not None and started is not None and recalled >= started and start != flow[0]
        skipped = started is not None and met is None and (
            went_back or _went_past(flow, end, reached, started))
        breached = due is not None and not skipped and ((met or clock) > due)
        result.append(
            SlaDeadline(segment=name, start=start, end=end, limit_minutes=minutes,
                        due_at=due, met_at=met, breached=breached, skipped=skipped)
        )
    return result


def _went_past(
    flow: tuple[TicketStatus, ...], end: TicketStatus, reached: dict[TicketStatus, datetime], since: datetime
) -> bool:
    """Whether a status after `end` on the type's main line was reached at or after `since`."""
    if end not in flow:
        return False
    later = flow[flow.index(end) + 1:]
    return any(status in reached and reached[status] >= since for status in later)
