"""The deadline watcher: raises an order alert when a segment is at risk or its limit passes.

Every change of an order reschedules its rows in `order_deadlines` (one per open segment and level,
with the time it falls due). One task per server process wakes at the next due time (at least every
`poll_s`), claims the due rows and, in the same transaction, deletes them, stores the alert, records
its event and audits it. On PostgreSQL the claim is `SELECT ... FOR UPDATE SKIP LOCKED`: several
processes share the work and none takes a row another holds, and the unique key of `order_alerts`
makes a second raise of one alert a no-op; on SQLite the write lock serialises the watchers.
Each row is judged again when it falls due, with the one SLA rule (`domain.sla`): an order that moved
on, was recalled or closed raises nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from agent_tui.domain.base import utc_now
from agent_tui.domain.escalation import ACCEPT_SEGMENT, OrderAlert
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.session import Role
from agent_tui.domain.sla import OrderAlertLevel, alert_times
from agent_tui.domain.ticket import Ticket, TicketStatus
from agent_tui.server import audit, broker
from agent_tui.server.background import BackgroundLoop
from agent_tui.server.db import Database
from agent_tui.server.models import TicketRow
from agent_tui.server.order_models import OrderAlertRow, OrderDeadlineRow
from agent_tui.server.settings import ServerSettings
from agent_tui.server.store import load_tickets

log = logging.getLogger(__name__)

WATCHER = "deadline-watcher"
"""The actor the audit trail names for alerts."""
_FINAL = frozenset({TicketStatus.CLOSED, TicketStatus.CANCELLED})


def schedule(session: Session, ticket: Ticket, now: datetime, at_risk_ratio: float) -> None:
    """Replace an order's pending deadlines with those its open segments have now.

    Training orders are never escalated. An alert already raised is not scheduled again.
    """
    session.execute(delete(OrderDeadlineRow).where(OrderDeadlineRow.ticket_id == ticket.id))
    if ticket.training or ticket.status in _FINAL:
        return
    wanted = alert_times(ticket.deadlines, at_risk_ratio)
    if not wanted:
        return
    raised = {
        (segment, level, due) for segment, level, due in session.execute(
            select(OrderAlertRow.segment, OrderAlertRow.level, OrderAlertRow.due_at)
            .where(OrderAlertRow.ticket_id == ticket.id))
    }
    rows = [{"ticket_id": ticket.id, "segment": segment, "level": level.value, "due_at": due}
            for segment, level, due in wanted if (segment, level.value, due) not in raised]
    if rows:
        session.execute(insert(OrderDeadlineRow), rows)


def alert_model(row: OrderAlertRow) -> OrderAlert:
    """A stored alert as the contract's `OrderAlert`."""
    return OrderAlert(
        id=row.id, ticket_id=row.ticket_id, number=row.number, segment=row.segment,
        level=OrderAlertLevel(row.level), due_at=row.due_at, raised_at=row.raised_at, filed_by=row.filed_by,
        status=TicketStatus(row.status),
        not_accepted=row.segment == ACCEPT_SEGMENT and row.level == OrderAlertLevel.BREACHED.value,
    )


class DeadlineWatcher(BackgroundLoop):
    """One per server process: raises the alerts of due deadlines (`tick`), on a task of its own."""

    task_name = "deadline-watcher"

    def __init__(self, db: Database, settings: ServerSettings) -> None:
        super().__init__()
        self.db = db
        self.settings = settings

    async def _run(self) -> None:
        poll = self.settings.escalation.poll_s
        while True:
            wait = poll
            try:
                await run_in_threadpool(self.tick)
                next_due = await run_in_threadpool(self.next_due)
                if next_due is not None:
                    wait = min(poll, max((next_due - utc_now()).total_seconds(), 0.0))
            except Exception:  # a lost database must not end the watcher: try again next round
                log.exception("deadline watcher failed")
            await asyncio.sleep(wait)

    def next_due(self) -> datetime | None:
        """The earliest pending deadline."""
        with self.db.read() as session:
            due: datetime | None = session.execute(select(func.min(OrderDeadlineRow.due_at))).scalar_one()
        return due

    def tick(self, now: datetime | None = None) -> list[Event]:
        """Raise every alert due by `now` (claimed in batches); answer the events recorded."""
        events: list[Event] = []
        while True:
            now_ = now or utc_now()
            due = self.next_due()
            if due is None or due > now_:
                return events  # nothing due: no write transaction (on SQLite it would take the lock)
            batch, claimed = self._claim_and_raise(now_)
            events.extend(batch)
            if claimed < self.settings.escalation.batch:
                return events

    def _claim_and_raise(self, now: datetime) -> tuple[list[Event], int]:
        events: list[Event] = []
        with self.db.write() as session:
            query = (select(OrderDeadlineRow).where(OrderDeadlineRow.due_at <= now)
                     .order_by(OrderDeadlineRow.due_at).limit(self.settings.escalation.batch))
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            claimed = list(session.execute(query).scalars())
            if not claimed:
                return events, 0
            ids = sorted({row.ticket_id for row in claimed})
            session.execute(delete(OrderDeadlineRow).where(
                OrderDeadlineRow.id.in_([row.id for row in claimed])))
            rows = session.execute(select(TicketRow).where(TicketRow.id.in_(ids))).scalars().all()
            tickets = {t.id: t for t in load_tickets(session, rows, now, self.settings.sla)}
            for deadline in claimed:
                ticket = tickets.get(deadline.ticket_id)
                if ticket is None or not self._still_due(ticket, deadline):
                    continue
                events.extend(self._raise(session, ticket, deadline, now))
        return events, len(claimed)

    def _still_due(self, ticket: Ticket, deadline: OrderDeadlineRow) -> bool:
        if ticket.training or ticket.status in _FINAL:
            return False
        wanted = alert_times(ticket.deadlines, self.settings.escalation.at_risk_ratio)
        return (deadline.segment, OrderAlertLevel(deadline.level), deadline.due_at) in wanted

    def _raise(self, session: Session, ticket: Ticket, deadline: OrderDeadlineRow,
               now: datetime) -> Sequence[Event]:
        row = OrderAlertRow(ticket_id=ticket.id, number=ticket.number, segment=deadline.segment,
                            level=deadline.level, due_at=deadline.due_at, raised_at=now,
                            filed_by=ticket.created_by, status=ticket.status.value)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return ()  # raised before (by this or another process): once is enough
        alert = alert_model(row)
        data = alert.model_dump(mode="json")
        out = [broker.record(session, EventKind.ORDER_ALERT, data, audience=Role.SUPERVISOR)]
        if self.settings.escalation.notify_filing_agent:
            out.append(broker.record(session, EventKind.ORDER_ALERT, data, target=ticket.created_by))
        audit.record(session, WATCHER, "order_alert", agent=ticket.created_by, detail={
            "ticket_id": ticket.id, "number": ticket.number, "segment": alert.segment,
            "level": alert.level.value, "due_at": alert.due_at.isoformat(), "late_s": round(
                (now - alert.due_at) / timedelta(seconds=1), 3)})
        return out
