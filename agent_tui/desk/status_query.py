"""The status query (查询在办流程) on the desk: find the caller's order and read its real status.

Plain state, no Textual: what to search by (the order number the caller gives, else their account,
else the phone they call from), what the search found (nothing, one order, several to choose among by
keys), and the order's timeline as the agent reads it: the A–H time points and one SLA mark per
segment. The marks are judged by the server (`domain.sla.deadlines`, the one copy of the rule); the
desk only names them, and calls an open segment "at risk" when the server's watcher raised an at-risk
alert on it (the ratio is the server's setting, not the desk's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from agent_tui.domain.escalation import OrderTimeline
from agent_tui.domain.sla import OrderAlertLevel
from agent_tui.domain.ticket import SlaDeadline, Ticket, TicketStatus

S = TicketStatus

FINISHED = frozenset({S.HANDLED, S.INFORMED, S.VISITED, S.CLOSED, S.CANCELLED})
"""Statuses in which the work the caller waits for is done (told as "finished")."""


class Mark(StrEnum):
    """One segment's SLA mark as the agent reads it."""

    ON_TIME = "on_time"
    """Reached within its limit."""
    RUNNING = "running"
    """Started, not reached, still within its limit."""
    AT_RISK = "at_risk"
    """Started, not reached, and the server raised an at-risk alert on it."""
    BREACHED = "breached"
    """Its limit passed before it was reached (or it is still open past it)."""
    SKIPPED = "skipped"
    """The order did not take this segment."""
    WAITING = "waiting"
    """Not started yet."""


MARK_LABELS: dict[Mark, str] = {
    Mark.ON_TIME: "on time", Mark.RUNNING: "running", Mark.AT_RISK: "at risk",
    Mark.BREACHED: "breached", Mark.SKIPPED: "skipped", Mark.WAITING: "not started",
}
"""English msgids of the marks (translated where shown)."""


@dataclass(frozen=True)
class SegmentMark:
    """One segment of the order with its mark."""

    segment: str
    limit_minutes: int
    mark: Mark
    due_at: datetime | None
    met_at: datetime | None


@dataclass(frozen=True)
class OrderStatusView:
    """What the status query shows of one order."""

    number: str
    status: TicketStatus
    points: list[tuple[str, datetime | None]]
    """(letter, when reached) of A … H; empty for orders that are not repairs."""
    marks: list[SegmentMark]
    told: str
    """The status_told choice the screen suggests: `in_progress`, `overdue` or `finished`."""


def mark_of(deadline: SlaDeadline, at_risk: frozenset[str]) -> Mark:
    """The mark of one deadline as the server judged it; `at_risk`: segments with an at-risk alert."""
    if deadline.skipped:
        return Mark.SKIPPED
    if deadline.breached:
        return Mark.BREACHED
    if deadline.due_at is None:
        # Never started: an order already past its end went round it (D left out: no forwarding).
        return Mark.SKIPPED if deadline.met_at is not None else Mark.WAITING
    if deadline.met_at is not None:
        return Mark.ON_TIME
    return Mark.AT_RISK if deadline.segment in at_risk else Mark.RUNNING


def status_view(timeline: OrderTimeline) -> OrderStatusView:
    """The timeline as the agent reads it to the caller."""
    at_risk = frozenset(a.segment for a in timeline.alerts if a.level == OrderAlertLevel.AT_RISK)
    marks = [SegmentMark(d.segment, d.limit_minutes, mark_of(d, at_risk), d.due_at, d.met_at)
             for d in timeline.deadlines]
    if timeline.status in FINISHED:
        told = "finished"
    elif any(m.mark is Mark.BREACHED for m in marks):
        told = "overdue"
    else:
        told = "in_progress"
    return OrderStatusView(number=timeline.number, status=timeline.status,
                           points=[(p.point, p.at) for p in timeline.points], marks=marks, told=told)


@dataclass(frozen=True)
class SearchTerms:
    """What one search asks the backend for: exactly one of the three."""

    number: str | None = None
    account: str | None = None
    phone: str | None = None


def search_terms(number: object, account: object, phone: object) -> SearchTerms | None:
    """The order number when given, else the account, else the caller's phone; None: nothing to go on."""
    for name, value in (("number", number), ("account", account), ("phone", phone)):
        if isinstance(value, str) and value.strip():
            return SearchTerms(**{name: value.strip().upper() if name == "number" else value.strip()})
    return None


class QueryState(StrEnum):
    """Where a status query stands."""

    IDLE = "idle"
    SEARCHING = "searching"
    NOT_FOUND = "not_found"
    SEVERAL = "several"
    """Several orders match: the agent chooses one."""
    LOADING = "loading"
    """One order chosen (or the only match): its timeline is on its way."""
    FOUND = "found"
    FAILED = "failed"


@dataclass
class StatusQuery:
    """One status query: the search, the matches, the chosen order's view."""

    state: QueryState = QueryState.IDLE
    terms: SearchTerms | None = None
    matches: list[Ticket] = field(default_factory=list)
    """Every order found, newest first."""
    view: OrderStatusView | None = None
    error: str = ""

    def search(self, terms: SearchTerms | None) -> bool:
        """Start a search; False (and nothing to do) when there is nothing to search by."""
        if terms is None:
            self.state, self.terms, self.view, self.matches = QueryState.NOT_FOUND, None, None, []
            return False
        self.state, self.terms, self.view, self.matches, self.error = (
            QueryState.SEARCHING, terms, None, [], "")
        return True

    def found(self, matches: list[Ticket]) -> str | None:
        """The search's answer; returns the number whose timeline to load now (one match), else None."""
        self.matches = list(matches)
        if not matches:
            self.state = QueryState.NOT_FOUND
            return None
        if len(matches) > 1:
            self.state = QueryState.SEVERAL
            return None
        return self.choose(0)

    def choose(self, index: int) -> str | None:
        """The agent chose the match at `index`: its number, whose timeline to load."""
        if not 0 <= index < len(self.matches):
            return None
        self.state = QueryState.LOADING
        return self.matches[index].number

    def loaded(self, timeline: OrderTimeline) -> OrderStatusView:
        """The chosen order's timeline arrived."""
        self.view = status_view(timeline)
        self.state = QueryState.FOUND
        return self.view

    def failed(self, error: str) -> None:
        """The search or the timeline failed (the desk says why; the agent may search again)."""
        self.state, self.error = QueryState.FAILED, error

    @property
    def told(self) -> str | None:
        """The status_told answer the query suggests (None while it has none)."""
        if self.state is QueryState.NOT_FOUND:
            return "not_found"
        return self.view.told if self.view is not None and self.state is QueryState.FOUND else None
