"""Segment time limits of the repair life cycle (95598 hotline rules) and how they are tracked."""

from __future__ import annotations

from datetime import datetime, timedelta

from agent_tui.domain.ticket import SlaDeadline, TicketStatus, TicketType, TimelineEntry

S = TicketStatus

REPAIR_SEGMENTS: tuple[tuple[str, TicketStatus, TicketStatus, int], ...] = (
    ("AB", S.CREATED, S.ISSUED, 2),
    ("BC", S.ISSUED, S.RECEIVED, 4),
    ("CD", S.RECEIVED, S.FORWARDED, 2),
    ("DE", S.FORWARDED, S.DISPATCHED, 4),
    ("EF", S.DISPATCHED, S.ACCEPTED, 2),
    ("FG", S.ACCEPTED, S.DEPARTED, 3),
    ("GH", S.DEPARTED, S.ON_SITE, 28),
    ("on_site", S.CREATED, S.ON_SITE, 45),
    ("accept", S.DISPATCHED, S.ACCEPTED, 4),
)
"""(name, from, to, minutes): the segment limits; `on_site` is the 45-minute promise and
`accept` the 4-minute escalation limit."""

COMPLAINT_SEGMENTS: tuple[tuple[str, TicketStatus, TicketStatus, int], ...] = (
    ("assign", S.CREATED, S.ASSIGNED, 60),
    ("handle", S.CREATED, S.HANDLED, 24 * 60),
    ("close", S.CREATED, S.CLOSED, 5 * 24 * 60),
)

SEGMENTS: dict[TicketType, tuple[tuple[str, TicketStatus, TicketStatus, int], ...]] = {
    TicketType.REPAIR: REPAIR_SEGMENTS,
    TicketType.COMPLAINT: COMPLAINT_SEGMENTS,
}


def deadlines(
    ticket_type: TicketType, timeline: list[TimelineEntry], now: datetime
) -> list[SlaDeadline]:
    """The SLA deadlines of a ticket given its timeline, each marked met or breached as of `now`.

    The latest time a status was reached counts, so a recalled and reissued order is timed
    from its reissue.
    """
    reached: dict[TicketStatus, datetime] = {}
    for entry in timeline:
        reached[entry.status] = entry.at
    result: list[SlaDeadline] = []
    for name, start, end, minutes in SEGMENTS.get(ticket_type, ()):
        started = reached.get(start)
        due = started + timedelta(minutes=minutes) if started else None
        met = reached.get(end)
        if met is not None and started is not None and met < started:
            met = None
        breached = due is not None and ((met or now) > due)
        result.append(
            SlaDeadline(segment=name, start=start, end=end, limit_minutes=minutes,
                        due_at=due, met_at=met, breached=breached)
        )
    return result
