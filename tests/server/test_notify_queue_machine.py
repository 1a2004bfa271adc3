"""The message queue under random interleavings of two senders, slow gateways, refusals and crashes.

Senders follow the gateways' rule: a message reaches the gateway only after `hand_over` said yes.
Whatever the order of claims, lease expiries, crashes and refusals, no message reaches the gateway
twice, a message marked sent reached it once, and one the gateway never got is not lost for good
unless it ran out of tries.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import delete, select, update

from agent_tui.domain.base import utc_now
from agent_tui.server import migrate, notifications
from agent_tui.server.aftercare_models import NotificationRow
from agent_tui.server.aftercare_settings import NotifySettings
from agent_tui.server.db import Database
from agent_tui.server.models import TicketRow
from agent_tui.server.notifications import Outgoing

WORKERS = ("w1", "w2")
SETTINGS = NotifySettings(retry_s=0.000001, lease_s=600, max_attempts=3)


def _database(tmp_path: Path) -> tuple[Database, int]:
    db = Database(f"sqlite:///{tmp_path / 'queue.db'}")
    migrate.upgrade(db)
    now = utc_now()
    with db.write() as session:
        ticket = TicketRow(number="GD1", ticket_type="repair", status="created", fields={}, created_by="t",
                           created_at=now, updated_at=now, return_visit=None)
        session.add(ticket)
        session.flush()
        return db, ticket.id


def test_no_message_reaches_the_gateway_twice(tmp_path: Path) -> None:
    db, ticket_id = _database(tmp_path)

    class Queue(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            with db.write() as session:
                session.execute(delete(NotificationRow))
            self.held: dict[str, list[Outgoing]] = {w: [] for w in WORKERS}
            self.handed: dict[str, list[Outgoing]] = {w: [] for w in WORKERS}
            self.delivered: Counter[int] = Counter()

        @rule()
        def enqueue(self) -> None:
            now = utc_now()
            with db.write() as session:
                session.add(NotificationRow(
                    ticket_id=ticket_id, event="filed", channel="sms", address="1", language="zh", subject="",
                    body="x", status="queued", attempts=0, next_at=now, handed_over=False, error="",
                    created_at=now))

        @rule(worker=st.sampled_from(WORKERS))
        def claim(self, worker: str) -> None:
            self.held[worker] += notifications.claim(db, worker, SETTINGS)

        @precondition(lambda self: any(self.held.values()))
        @rule(worker=st.sampled_from(WORKERS))
        def hand_over(self, worker: str) -> None:
            if self.held[worker]:
                message = self.held[worker].pop(0)
                if notifications.hand_over(db, message, worker):
                    self.delivered[message.id] += 1  # the gateway has it now
                    self.handed[worker].append(message)

        @precondition(lambda self: any(self.held.values()))
        @rule(worker=st.sampled_from(WORKERS))
        def unreachable(self, worker: str) -> None:
            """The gateway cannot be reached before the hand-over (connection refused)."""
            if self.held[worker]:
                message = self.held[worker].pop(0)
                notifications.failed(db, message, worker, "unreachable", SETTINGS, retry=True)

        @precondition(lambda self: any(self.handed.values()))
        @rule(worker=st.sampled_from(WORKERS), accepted=st.booleans())
        def gateway_answers(self, worker: str, accepted: bool) -> None:
            if self.handed[worker]:
                message = self.handed[worker].pop(0)
                if accepted:
                    notifications.sent(db, message)
                else:  # a refusal: the gateway did not keep it
                    self.delivered[message.id] -= 1
                    notifications.failed(db, message, worker, "refused", SETTINGS, retry=True)

        @precondition(lambda self: any(self.held.values()) or any(self.handed.values()))
        @rule(worker=st.sampled_from(WORKERS), dies=st.booleans())
        def lease_runs_out(self, worker: str, dies: bool) -> None:
            """The sender is too slow, or dies (it forgets what it held); its claims are up for grabs."""
            with db.write() as session:
                session.execute(update(NotificationRow).where(NotificationRow.claimed_by == worker)
                                .values(lease_until=utc_now() - timedelta(seconds=1)))
            if dies:
                self.held[worker].clear()
                self.handed[worker].clear()

        @invariant()
        def never_twice(self) -> None:
            assert all(count <= 1 for count in self.delivered.values()), self.delivered
            with db.read() as session:
                rows = session.execute(select(NotificationRow)).scalars().all()
            for row in rows:
                if row.status == "sent":
                    assert self.delivered[row.id] == 1, (row.id, self.delivered)
                if row.status == "failed" and self.delivered[row.id] == 0:
                    # Lost for good only after every try, or when a dead sender had handed it over.
                    assert row.attempts >= SETTINGS.max_attempts or "never sent twice" in row.error

    try:
        run_state_machine_as_test(Queue, settings=settings(max_examples=100, stateful_step_count=30,
                                                           deadline=None))
    finally:
        db.dispose()
