"""The orders panel's model without Textual: rows from alerts and events, filter, by segment, the loop's
next step, and the timeline in words (English and Chinese)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agent_tui.domain.complaints import ComplaintStep, ComplaintStepRefused, complaint_move, next_step
from agent_tui.domain.escalation import OrderAlert, OrderTimeline, TimePoint
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.sla import OrderAlertLevel
from agent_tui.domain.ticket import SlaDeadline, Ticket, TicketStatus, TicketType
from agent_tui.i18n import Translator
from agent_tui.ui.monitor.orders_model import (
    OrdersFilter,
    OrdersModel,
    local_time,
    summary_text,
    timeline_lines,
)

T0 = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
S = TicketStatus


def alert(number: str, segment: str, level: str = "breached", at_s: int = 0, status: str = "dispatched",
          **extra: Any) -> OrderAlert:
    return OrderAlert(id=at_s, ticket_id=int(number[-3:]), number=number, segment=segment,
                      level=OrderAlertLevel(level), due_at=T0 + timedelta(seconds=at_s),
                      raised_at=T0 + timedelta(seconds=at_s), filed_by="agent01", status=S(status), **extra)


def event(kind: EventKind, data: dict[str, Any], ident: int = 1) -> Event:
    return Event(id=ident, kind=kind, at=T0, data=data)


def test_rows_newest_first_filtered_and_counted_by_segment() -> None:
    model = OrdersModel()
    model.load([alert("GD001", "accept", at_s=10, not_accepted=True),
                alert("GD002", "EF", "at_risk", at_s=20)])
    newest = alert("GD003", "AB", at_s=30).model_dump(mode="json")
    assert model.apply_event(event(EventKind.ORDER_ALERT, newest))
    assert [r.number for r in model.visible()] == ["GD003", "GD002", "GD001"]
    assert model.cycle_filter() == OrdersFilter.AT_RISK
    assert [r.number for r in model.visible()] == ["GD002"]
    assert model.cycle_filter() == OrdersFilter.BREACHED
    assert [r.number for r in model.visible()] == ["GD003", "GD001"]
    assert model.cycle_filter() == OrdersFilter.COMPLAINTS
    assert model.visible() == []  # none loaded
    assert model.cycle_filter() == OrdersFilter.ALL
    assert model.by_segment() == [("AB", 1, 0), ("EF", 0, 1), ("accept", 1, 0)]
    assert summary_text(model, Translator("en")) == "AB 1 breached · EF 1 at risk · accept 1 breached"
    assert summary_text(model, Translator("zh")) == "AB 1 条超时 · EF 1 条临近超时 · accept 1 条超时"


def test_a_breach_replaces_the_segments_at_risk_row_and_an_older_alert_changes_nothing() -> None:
    model = OrdersModel()
    assert model.apply_event(event(EventKind.ORDER_ALERT, alert("GD001", "EF", "at_risk", 5).model_dump(
        mode="json")))
    assert model.apply_event(event(EventKind.ORDER_ALERT, alert("GD001", "EF", "breached", 9).model_dump(
        mode="json")))
    assert not model.apply_event(event(EventKind.ORDER_ALERT, alert("GD001", "EF", "at_risk", 5).model_dump(
        mode="json")))
    assert [(r.segment, r.level) for r in model.visible()] == [("EF", OrderAlertLevel.BREACHED)]


def test_ticket_events_move_the_status_and_take_ended_orders_off() -> None:
    model = OrdersModel()
    model.load([alert("GD001", "assign", "at_risk", status="created"), alert("GD002", "accept")])
    row = model.rows[("GD001", "assign")]
    assert row.complaint
    assert row.next_step == ComplaintStep.ASSIGN
    repair = model.rows[("GD002", "accept")]
    assert not repair.complaint
    assert repair.next_step is None
    assert model.apply_event(event(EventKind.TICKET, {"id": 1, "number": "GD001", "status": "assigned"}))
    assert model.rows[("GD001", "assign")].next_step == ComplaintStep.HANDLE
    assert not model.apply_event(event(EventKind.TICKET, {"id": 9, "number": "GD999", "status": "closed"}))
    assert model.apply_event(event(EventKind.TICKET, {"id": 1, "number": "GD001", "status": "closed"}))
    assert [r.number for r in model.visible()] == ["GD002"]
    # An alert raised on an order already closed is not listed.
    closed = alert("GD003", "AB", status="closed").model_dump(mode="json")
    assert not model.apply_event(event(EventKind.ORDER_ALERT, closed))
    # Events that do not fit the contract are counted, never raised.
    assert not model.apply_event(event(EventKind.TICKET, {"number": "GD002", "status": "flying"}))
    assert not model.apply_event(event(EventKind.ORDER_ALERT, {"number": "GD002"}))
    assert model.skipped == 2


def test_the_complaints_view_follows_the_loop() -> None:
    filed = T0 - timedelta(minutes=90)
    met = SlaDeadline(segment="assign", start=S.CREATED, end=S.ASSIGNED, limit_minutes=60,
                      due_at=filed + timedelta(minutes=60), met_at=filed + timedelta(minutes=5))
    late = SlaDeadline(segment="handle", start=S.CREATED, end=S.HANDLED, limit_minutes=60,
                       due_at=filed + timedelta(minutes=60), breached=True)
    kept = Ticket(id=7, number="GD007", ticket_type=TicketType.COMPLAINT, subject="s", status=S.ASSIGNED,
                  created_by="agent01", created_at=filed, updated_at=filed, deadlines=[met, late])
    repair = kept.model_copy(update={"number": "GD008", "ticket_type": TicketType.REPAIR})
    model = OrdersModel()
    model.load_complaints([kept, repair])
    model.filter = OrdersFilter.COMPLAINTS
    [row] = model.visible()
    assert (row.number, row.segment, row.level, row.due_at) == ("GD007", "handle", OrderAlertLevel.BREACHED,
                                                               filed + timedelta(minutes=60))
    assert row.next_step == ComplaintStep.HANDLE
    assert model.apply_event(event(EventKind.TICKET, {"id": 7, "number": "GD007", "status": "handled"}))
    assert model.visible()[0].next_step == ComplaintStep.INFORM
    assert model.moved(kept.model_copy(update={"status": S.CLOSED}))
    assert model.visible() == []


@pytest.mark.parametrize(("status", "step"), [
    (S.CREATED, ComplaintStep.ASSIGN), (S.RECALLED, ComplaintStep.ASSIGN), (S.ASSIGNED, ComplaintStep.HANDLE),
    (S.HANDLED, ComplaintStep.INFORM), (S.INFORMED, ComplaintStep.CLOSE), (S.VISITED, ComplaintStep.CLOSE),
    (S.CLOSED, None), (S.CANCELLED, None)])
def test_the_loops_next_step(status: TicketStatus, step: ComplaintStep | None) -> None:
    assert next_step(status) == step


def test_steps_out_of_order_and_on_other_types_are_refused() -> None:
    with pytest.raises(ComplaintStepRefused, match="not a complaint"):
        complaint_move(TicketType.REPAIR, S.CREATED, ComplaintStep.ASSIGN)
    with pytest.raises(ComplaintStepRefused, match="close does not follow assigned"):
        complaint_move(TicketType.COMPLAINT, S.ASSIGNED, ComplaintStep.CLOSE)
    assert complaint_move(TicketType.COMPLAINT, S.INFORMED, ComplaintStep.CLOSE) == S.CLOSED


def test_the_timeline_in_words() -> None:
    dispatched = T0 + timedelta(minutes=5)
    timeline = OrderTimeline(
        id=1, number="GD001", ticket_type=TicketType.REPAIR, status=S.DISPATCHED, created_by="agent01",
        points=[TimePoint(point="A", status=S.CREATED, at=T0), TimePoint(point="E", status=S.DISPATCHED,
                                                                        at=dispatched),
                TimePoint(point="F", status=S.ACCEPTED)],
        deadlines=[SlaDeadline(segment="AB", start=S.CREATED, end=S.ISSUED, limit_minutes=2,
                               due_at=T0 + timedelta(minutes=2), met_at=T0 + timedelta(minutes=1)),
                   SlaDeadline(segment="accept", start=S.DISPATCHED, end=S.ACCEPTED, limit_minutes=4,
                               due_at=dispatched + timedelta(minutes=4), breached=True),
                   SlaDeadline(segment="CD", start=S.RECEIVED, end=S.FORWARDED, limit_minutes=2,
                               skipped=True)],
        alerts=[alert("GD001", "accept", at_s=540, not_accepted=True)])
    en = timeline_lines(timeline, Translator("en"))
    assert en[0] == "Order GD001 · Repair · Dispatched · filed by agent01"
    raised = local_time(T0 + timedelta(seconds=540))
    assert en[1:3] == ["Alerts", f"  {raised} accept   breached · not accepted in time"]
    assert en[4] == f"  A Created      {local_time(T0)}    F Accepted     -"
    assert en[5] == f"  E Dispatched   {local_time(dispatched)}"
    met = f"met {local_time(T0 + timedelta(minutes=1))}"
    assert any(line.startswith("  AB") and met in line for line in en)
    assert any(line.startswith("  accept") and "breached (due" in line for line in en)
    assert any(line.startswith("  CD") and line.endswith("skipped") for line in en)
    assert any(line.startswith("  accept") and "breached (due" in line for line in en)
    zh = timeline_lines(timeline, Translator("zh"))
    assert zh[0] == "工单 GD001 · 故障报修 · 已到班组 · 受理人 agent01"
    assert zh[2].endswith("超时 · 派单后未按时接单")
