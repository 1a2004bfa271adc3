"""The orders panel's model under random orders of alerts, status moves, reloads and filter changes
(hypothesis `RuleBasedStateMachine`), against the backend's truth played alongside.

Invariants: the rows are exactly the segments of open orders that have alerts, each at its newest
alert's level and its order's current status; ended orders never show; the view is newest first and
holds only what the filter lets through; the by-segment counts add up to the rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from agent_tui.domain.escalation import OrderAlert
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.sla import OrderAlertLevel
from agent_tui.domain.ticket import TicketStatus
from agent_tui.ui.monitor.orders_model import OrdersFilter, OrdersModel

T0 = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
NUMBERS = st.sampled_from(["GD001", "GD002", "GD003", "GD004"])
SEGMENTS = st.sampled_from(["AB", "EF", "accept", "assign"])
LEVELS = st.sampled_from(list(OrderAlertLevel))
MOVES = st.sampled_from([TicketStatus.ISSUED, TicketStatus.DISPATCHED, TicketStatus.ASSIGNED,
                         TicketStatus.HANDLED, TicketStatus.CLOSED, TicketStatus.CANCELLED])
ENDED = (TicketStatus.CLOSED, TicketStatus.CANCELLED)


class OrdersMachine(RuleBasedStateMachine):
    """One panel model; the backend's alerts and statuses kept beside it."""

    def __init__(self) -> None:
        super().__init__()
        self.model = OrdersModel()
        self.status = {n: TicketStatus.CREATED for n in ("GD001", "GD002", "GD003", "GD004")}
        self.alerts: list[OrderAlert] = []
        self.clock = 0
        self.events = 0

    def _event(self, kind: EventKind, data: dict[str, object]) -> None:
        self.events += 1
        self.model.apply_event(Event(id=self.events, kind=kind, at=T0, data=data))

    @rule(number=NUMBERS, segment=SEGMENTS, level=LEVELS, same_time=st.booleans())
    def raise_alert(self, number: str, segment: str, level: OrderAlertLevel, same_time: bool) -> None:
        if self.status[number] in ENDED:
            return  # the watcher raises nothing on an ended order
        self.clock += 0 if same_time else 1
        at = T0 + timedelta(seconds=self.clock)
        alert = OrderAlert(id=len(self.alerts) + 1, ticket_id=int(number[-3:]), number=number,
                           segment=segment, level=level, due_at=at, raised_at=at, filed_by="agent01",
                           status=self.status[number])
        self.alerts.append(alert)
        self._event(EventKind.ORDER_ALERT, alert.model_dump(mode="json"))

    @rule(number=NUMBERS, status=MOVES)
    def move(self, number: str, status: TicketStatus) -> None:
        if self.status[number] in ENDED:
            return
        self.status[number] = status
        self._event(EventKind.TICKET, {"id": int(number[-3:]), "number": number, "status": status.value})

    @rule()
    def reload(self) -> None:
        """`GET /v1/order-alerts?open=true`: newest first, with each alert's status when raised."""
        listed = [a for a in self.alerts if self.status[a.number] not in ENDED]
        self.model.load(sorted(listed, key=lambda a: (a.raised_at, a.id), reverse=True))
        # The stored alerts carry the status at raise time: the ticket events that follow a reload
        # bring the rest (the panel reloads on a fresh snapshot, and events flow on from there).
        for number, status in self.status.items():
            self._event(EventKind.TICKET, {"id": int(number[-3:]), "number": number, "status": status.value})

    @rule()
    def cycle(self) -> None:
        self.model.cycle_filter()

    @invariant()
    def rows_are_the_open_orders_newest_alerts(self) -> None:
        newest: dict[tuple[str, str], OrderAlert] = {}
        for alert in self.alerts:
            key = (alert.number, alert.segment)
            old = newest.get(key)
            if old is None or (alert.raised_at, alert.level == OrderAlertLevel.BREACHED) > (
                    old.raised_at, old.level == OrderAlertLevel.BREACHED):
                newest[key] = alert
        expected = {key: alert.level for key, alert in newest.items() if self.status[key[0]] not in ENDED}
        assert {key: row.level for key, row in self.model.rows.items()} == expected
        for (number, _segment), row in self.model.rows.items():
            assert row.status == self.status[number]

    @invariant()
    def the_view_is_filtered_and_newest_first(self) -> None:
        shown = self.model.visible()
        assert [r.raised_at for r in shown] == sorted((r.raised_at for r in shown), reverse=True)
        if self.model.filter == OrdersFilter.COMPLAINTS:
            assert shown == []  # none loaded in this machine
        elif self.model.filter != OrdersFilter.ALL:
            assert all(r.level is not None and r.level.value == self.model.filter.value for r in shown)
        else:
            assert len(shown) == len(self.model.rows)
        assert sum(b + r for _s, b, r in self.model.by_segment()) == len(self.model.rows)


OrdersMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
TestOrdersMachine = OrdersMachine.TestCase
