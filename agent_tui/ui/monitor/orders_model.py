"""What the supervisor's orders panel shows, without Textual: escalated orders, their timeline, the loop.

The panel lists the open orders the deadline watcher raised alerts on (`order_alert` events, and
`GET /v1/order-alerts?open=true` when it opens or the link comes back), one row per order and segment,
newest first, filtered to at risk, breached or all; a fourth view lists every open complaint at the
segment it is in, escalated or not (`GET /v1/tickets?type=complaint`). `ticket` events keep each
order's status and take an order off the lists when it is closed or cancelled. Complaints are worked
from the panel: the one rule of which step follows is `domain.complaints`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import ValidationError

from agent_tui.domain.complaints import ComplaintStep, ComplaintStepBody, next_step
from agent_tui.domain.escalation import OrderAlert, OrderTimeline
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.sla import OrderAlertLevel, SlaLimits
from agent_tui.domain.ticket import SlaDeadline, Ticket, TicketStatus, TicketType
from agent_tui.i18n import Translator

COMPLAINT_SEGMENTS = frozenset(name for name, *_ in SlaLimits().segments(TicketType.COMPLAINT))
"""The segments only complaints are timed on: an alert on one is a complaint's."""
SEGMENT_ORDER = tuple(name for kind in (TicketType.REPAIR, TicketType.COMPLAINT)
                      for name, *_ in SlaLimits().segments(kind))
"""Segments in life-cycle order (the by-segment summary's order)."""
_ENDED = frozenset({TicketStatus.CLOSED, TicketStatus.CANCELLED})


class OrdersApi(Protocol):
    """The backend calls of the panel (`agent_tui.sync.orders.OrdersClient`)."""

    async def open_alerts(self, *, limit: int = 500) -> list[OrderAlert]:
        """Alerts of orders still open, newest first."""

    async def timeline(self, number: str) -> OrderTimeline:
        """An order's time points, SLA marks and alerts."""

    async def complaint_step(self, number: str, step: ComplaintStep, body: ComplaintStepBody) -> Ticket:
        """One step of the complaint loop."""

    async def open_complaints(self, *, limit: int = 500) -> list[Ticket]:
        """Complaints not closed or cancelled, newest first."""


class OrdersFilter(StrEnum):
    """Which rows the panel shows."""

    ALL = "all"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    COMPLAINTS = "complaints"
    """Every open complaint, escalated or not."""


FILTER_LABELS = {OrdersFilter.ALL: "all", OrdersFilter.AT_RISK: "at risk", OrdersFilter.BREACHED: "breached",
                 OrdersFilter.COMPLAINTS: "open complaints"}
LEVEL_LABELS = {OrderAlertLevel.AT_RISK: "at risk", OrderAlertLevel.BREACHED: "breached"}
STEP_LABELS = {ComplaintStep.ASSIGN: "assign", ComplaintStep.HANDLE: "record handled",
               ComplaintStep.INFORM: "record informed", ComplaintStep.CLOSE: "close"}
"""What each step is called on screen (English source; translated when shown)."""
STATUS_LABELS: dict[TicketStatus, str] = {s: s.value.replace("_", " ").capitalize() for s in TicketStatus}
"""Each status in words, as the desk says it (the same catalog entries)."""
TYPE_LABELS: dict[TicketType, str] = {t: t.value.capitalize() for t in TicketType}
"""Each order type in words, as the desk says it."""


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One line of the panel: an order's segment at risk or breached."""

    number: str
    ticket_id: int
    segment: str
    level: OrderAlertLevel | None
    """None: an open complaint within its limit (the complaints view)."""
    due_at: datetime
    raised_at: datetime
    status: TicketStatus
    filed_by: str
    not_accepted: bool
    complaint: bool
    """The order is a complaint (worked from the panel)."""

    @property
    def next_step(self) -> ComplaintStep | None:
        """The complaint loop's next step (None: not a complaint, or nothing to do now)."""
        return next_step(self.status) if self.complaint else None


class OrdersModel:
    """The panel's state: rows by (order, segment), each order's last known status, the filter."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], OrderRow] = {}
        """The newest alert of each order and segment."""
        self.complaints: dict[str, OrderRow] = {}
        """Open complaints by number, each at the segment it is in (the complaints view)."""
        self.filter = OrdersFilter.ALL
        """Which rows `visible()` answers."""
        self.loaded = False
        """Filled from the backend at least once."""
        self.skipped = 0
        """Events that did not fit the contract (counted, never shown)."""

    # ---- input --------------------------------------------------------------------------------

    def load(self, alerts: Iterable[OrderAlert]) -> None:
        """Replace every row with the open orders' alerts (the fetch)."""
        self.rows = {}
        for alert in alerts:
            self._add(alert)
        self.loaded = True

    def apply_event(self, event: Event) -> bool:
        """One live event; True when the panel changed."""
        try:
            if event.kind == EventKind.ORDER_ALERT:
                return self._add(OrderAlert.model_validate(event.data))
            if event.kind == EventKind.TICKET:
                return self._status(str(event.data["number"]), TicketStatus(event.data["status"]))
        except (ValidationError, KeyError, ValueError):
            self.skipped += 1
        return False

    def load_complaints(self, tickets: Iterable[Ticket]) -> None:
        """Replace the complaints view with these open complaints (the fetch)."""
        self.complaints = {}
        for ticket in tickets:
            row = complaint_row(ticket)
            if row is not None:
                self.complaints[row.number] = row

    def moved(self, ticket: Ticket) -> bool:
        """An order the supervisor moved (the step's answer, before its event arrives)."""
        listed = ticket.number in self.complaints
        if listed:
            row = complaint_row(ticket)
            if row is None:
                del self.complaints[ticket.number]
            else:
                self.complaints[ticket.number] = row
        return self._status(ticket.number, ticket.status) or listed

    def _add(self, alert: OrderAlert) -> bool:
        key = (alert.number, alert.segment)
        old = self.rows.get(key)
        if old is not None and (old.raised_at, old.level == OrderAlertLevel.BREACHED) >= (
                alert.raised_at, alert.level == OrderAlertLevel.BREACHED):
            return False  # the newest alert of a segment is its truth; at the same time, a breach wins
        status = old.status if old is not None and old.raised_at > alert.raised_at else alert.status
        if status in _ENDED:
            return False
        self.rows[key] = OrderRow(number=alert.number, ticket_id=alert.ticket_id, segment=alert.segment,
                                  level=alert.level, due_at=alert.due_at, raised_at=alert.raised_at,
                                  status=status, filed_by=alert.filed_by, not_accepted=alert.not_accepted,
                                  complaint=alert.segment in COMPLAINT_SEGMENTS)
        return True

    def _status(self, number: str, status: TicketStatus) -> bool:
        keys = [key for key in self.rows if key[0] == number]
        complaint = self.complaints.get(number)
        if complaint is not None:
            if status in _ENDED:
                del self.complaints[number]
            elif complaint.status != status:
                self.complaints[number] = OrderRow(**{**_fields(complaint), "status": status})
        if not keys:
            return complaint is not None
        for key in keys:
            if status in _ENDED:
                del self.rows[key]
            else:
                old = self.rows[key]
                self.rows[key] = OrderRow(**{**_fields(old), "status": status})
        return True

    # ---- output -------------------------------------------------------------------------------

    def cycle_filter(self) -> OrdersFilter:
        """All → at risk → breached → open complaints → all."""
        order = list(OrdersFilter)
        self.filter = order[(order.index(self.filter) + 1) % len(order)]
        return self.filter

    def visible(self) -> list[OrderRow]:
        """The rows the filter lets through, newest alert first."""
        if self.filter == OrdersFilter.COMPLAINTS:
            rows = list(self.complaints.values())
        else:
            rows = [row for row in self.rows.values() if self.filter == OrdersFilter.ALL
                    or (row.level is not None and row.level.value == self.filter.value)]
        return sorted(rows, key=lambda row: (row.raised_at, row.number, row.segment), reverse=True)

    def by_segment(self) -> list[tuple[str, int, int]]:
        """(segment, breached, at risk) over every row, in life-cycle order, segments with none left out."""
        counts: dict[str, list[int]] = {}
        for row in self.rows.values():
            pair = counts.setdefault(row.segment, [0, 0])
            pair[0 if row.level == OrderAlertLevel.BREACHED else 1] += 1
        ranked = {name: index for index, name in enumerate(SEGMENT_ORDER)}
        return [(name, pair[0], pair[1])
                for name, pair in sorted(counts.items(), key=lambda item: (ranked.get(item[0], 99), item[0]))]


def _fields(row: OrderRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in OrderRow.__slots__}


def complaint_row(ticket: Ticket) -> OrderRow | None:
    """An open complaint as a row at the segment it is in (the first limit not yet met), breached or
    within it; None for a closed or cancelled one, or not a complaint."""
    if ticket.ticket_type != TicketType.COMPLAINT or ticket.status in _ENDED:
        return None
    current = next((d for d in ticket.deadlines if d.met_at is None and not d.skipped), None)
    return OrderRow(
        number=ticket.number, ticket_id=ticket.id, segment=current.segment if current else "",
        level=OrderAlertLevel.BREACHED if current is not None and current.breached else None,
        due_at=(current.due_at if current is not None and current.due_at else ticket.created_at),
        raised_at=ticket.created_at, status=ticket.status, filed_by=ticket.created_by, not_accepted=False,
        complaint=True)


def local_time(at: datetime | None) -> str:
    """`HH:MM:SS` in the supervisor's time zone; `-` when there is no time."""
    return "-" if at is None else at.astimezone().strftime("%H:%M:%S")


def summary_text(model: OrdersModel, translator: Translator) -> str:
    """The by-segment line: `accept 2 breached · EF 1 at risk …`, or that nothing is escalated."""
    t = translator.t
    parts = []
    for segment, breached, at_risk in model.by_segment():
        counts = [t("{count} breached", count=breached)] if breached else []
        counts += [t("{count} at risk", count=at_risk)] if at_risk else []
        parts.append(f"{segment} {', '.join(counts)}")
    return " · ".join(parts) if parts else t("No open order is at risk or breached.")


def mark_text(deadline: SlaDeadline, translator: Translator) -> str:
    """An SLA mark in words: met, breached, skipped, open (with its due time) or not started."""
    t = translator.t
    if deadline.skipped:
        return t("skipped")
    if deadline.breached:
        return t("breached (due {time})", time=local_time(deadline.due_at))
    if deadline.met_at is not None:
        return t("met {time}", time=local_time(deadline.met_at))
    if deadline.due_at is not None:
        return t("open, due {time}", time=local_time(deadline.due_at))
    return t("not started")


def timeline_lines(timeline: OrderTimeline, translator: Translator) -> list[str]:
    """The order's timeline as lines of text: status, alerts (newest first: why the supervisor looks),
    A–H points in two columns (A–D, E–H), then the SLA marks; it fits 80x24."""
    t = translator.t
    lines = [t("Order {number} · {type} · {status} · filed by {agent}", number=timeline.number,
               type=t(TYPE_LABELS[timeline.ticket_type]), status=t(STATUS_LABELS[timeline.status]),
               agent=timeline.created_by)]
    if timeline.alerts:
        lines.append(t("Alerts"))
        lines += [f"  {local_time(a.raised_at)} {a.segment:<8} {t(LEVEL_LABELS[a.level])}"
                  + (f" · {t('not accepted in time')}" if a.not_accepted else "") for a in timeline.alerts]
    if timeline.points:
        lines.append(t("Time points"))
        cells = [f"{p.point} {t(STATUS_LABELS[p.status]):<12} {local_time(p.at):<8}" for p in timeline.points]
        half = (len(cells) + 1) // 2
        lines += [f"  {left}    {right}".rstrip() for left, right in zip(cells[:half], [*cells[half:], ""],
                                                                         strict=False)]
    if timeline.deadlines:
        lines.append(t("SLA marks"))
        lines += [f"  {d.segment:<8} {t('{minutes} min', minutes=d.limit_minutes):>9}  "
                  f"{mark_text(d, translator)}" for d in timeline.deadlines]
    return lines
