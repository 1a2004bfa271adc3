"""What the desk keeps per call does not grow with the number of calls (the soak's RSS, structurally).

200 calls through the real desk screen in-process (Textual Pilot, phone and backend doubles) in the
mix of a shift: answered and missed calls, hold and resume, a work order taken and synced, wrap-ups.
The call history is bounded small here (HISTORY_CALLS = 20, DETAILED_CALLS = 5, LOOKUP_CACHE_SIZE = 8)
so the bound is reached long before call 100. Then the live objects the desk could keep per call
(calls, customers and lookups, phone events, records, widgets, timers, workers, tasks) and its
per-call containers are counted after call 100 and again after call 200: the second count must not
be larger. Timers and notifications of the last calls run out on their own, so each count is polled
(with a deadline) until it is back at or under the first, never waited for by sleeping.

The backend double answers every lookup with fresh objects, as the real client parses fresh JSON, so
a kept lookup shows as more live objects (a shared answer would hide it).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import Counter
from functools import partial
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker

from agent_tui.desk import book as book_module
from agent_tui.desk import lookup as lookup_module
from agent_tui.desk.calls import CallPhase, CallSession, LookupState
from agent_tui.domain.agent import AgentStateChange
from agent_tui.domain.call import CallRecord
from agent_tui.domain.customer import ContactRecord, Customer, LookupMatch, LookupResult
from agent_tui.domain.ticket import Ticket, TicketCreate, TicketType
from agent_tui.phone.events import CallEnded, CallState, IncomingCall
from agent_tui.sync.desk_link import LinkStatus
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.wrapup import WrapUp
from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, customer, full_match
from tests.ui.helpers import make_app, wait_until

HISTORY = 20
CALLS = 200
CHECKPOINT = 100
NUMBERS = 30
"""Distinct callers: more than the lookup cache holds, so it evicts as well as fills."""

TRACKED: tuple[type[Any], ...] = (
    CallSession, Customer, LookupMatch, LookupResult, ContactRecord, Ticket, TicketCreate, CallRecord,
    AgentStateChange, IncomingCall, CallState, CallEnded, Widget, Timer, Worker, asyncio.Task,
)


class FreshBackend(FakeBackend):
    """Answers each lookup with new objects (a deep copy), like the real client parsing JSON."""

    async def lookup(self, phone: str | None = None, account: str | None = None) -> LookupResult:
        result = await super().lookup(phone, account)
        self.lookups.clear()  # the double's own log of requests is not the desk's memory
        return result.model_copy(deep=True)


def live_counts(app: DeskApp) -> Counter[str]:
    """Live objects of the tracked types, and the sizes of the desk's per-call containers."""
    gc.collect()
    counts: Counter[str] = Counter()
    for obj in gc.get_objects():
        for kind in TRACKED:
            if isinstance(obj, kind):
                counts[kind.__name__] += 1
    desk = app.desk
    counts.update({
        "desk.calls": len(desk.calls),
        "desk.lookup_cache": len(desk.lookup_cache),
        "desk.slow_lookups": len(desk.slow_lookups),
        "desk._unsynced": len(desk._unsynced),
        "supervisor.monitors": len(desk.supervisor.monitors),
        "supervisor.picked_up": len(desk.supervisor.picked_up),
        "training.calls": len(desk.training.calls),
        "training.launches": len(desk.training.launches),
        "app.workers": len(app.workers),
        "app.screen_stack": len(app.screen_stack),
        "app.notifications": len(app._notifications),
    })
    return counts


def grown(before: Counter[str], after: Counter[str]) -> dict[str, tuple[int, int]]:
    """The counts that are larger after than before: name → (before, after)."""
    return {name: (before[name], after[name]) for name in after if after[name] > before[name]}


async def settled_counts(pilot: Pilot[Any], app: DeskApp, baseline: Counter[str] | None,
                         deadline_s: float = 20.0) -> Counter[str]:
    """The counts once the last calls' timers, workers and notifications have run out.

    Without a baseline: once two counts in a row agree. With one: once nothing is above it, or the
    deadline passes (the caller then asserts on what is left).
    """
    deadline = time.monotonic() + deadline_s
    previous = live_counts(app)
    while True:
        await pilot.pause(0.2)
        counts = live_counts(app)
        if baseline is None and counts == previous:
            return counts
        if baseline is not None and not grown(baseline, counts):
            return counts
        if time.monotonic() > deadline:
            return counts
        previous = counts


def ended(app: DeskApp, call_id: str) -> bool:
    """Whether the desk has seen `call_id` end."""
    call = app.desk.calls.get(call_id)
    return call is not None and call.phase is CallPhase.ENDED


def looked_up(app: DeskApp, call_id: str) -> bool:
    """Whether the call's lookup is over (any outcome)."""
    call = app.desk.calls.get(call_id)
    return call is not None and call.lookup is not LookupState.PENDING


async def one_call(pilot: Pilot[Any], app: DeskApp, phone: FakePhone, writes: FakeWrites, index: int,
                   number: str) -> None:
    """One call of a shift's mix; every fifth is missed, others are held, get orders, are wrapped up."""
    desk = app.desk
    call_id = f"c{index}"
    phone.ring(call_id=call_id, number=number, display="Caller", headers={"X-Queue": "billing"})
    await wait_until(pilot, partial(looked_up, app, call_id), what=f"{call_id} looked up")
    if index % 5 == 4:
        phone.emit(CallEnded(call_id=call_id, reason="cancel", code=487, duration_s=0.0))
    else:
        phone.emit(CallState(call_id=call_id, state="confirmed"))
        if index % 3 == 0:
            phone.emit(CallState(call_id=call_id, state="held"))
            phone.emit(CallState(call_id=call_id, state="resumed"))
        await wait_until(pilot, lambda: desk.active_id == call_id, what=f"{call_id} answered")
        if index % 4 == 0:
            session = desk.calls[call_id]
            order = TicketCreate(ticket_type=TicketType.REPAIR, call_id=call_id, subject="No power",
                                 customer_id=session.customer.id if session.customer else None)
            reference = desk.submit_ticket(order, session)
            assert reference is not None
            writes.report(LinkStatus(online=True, queued=0, delivered=reference))
        phone.emit(CallEnded(call_id=call_id, reason="bye", code=200, duration_s=1.0))
    await wait_until(pilot, partial(ended, app, call_id), what=f"{call_id} ended")
    if index % 2 == 0 and desk.calls[call_id].answered_at is not None:
        desk.finish_wrapup(desk.calls[call_id], WrapUp("resolved", True, "", "fixed on the call"))
    # The doubles' own logs of what was sent are not the desk's memory: the outbox delivers and forgets.
    for log in (writes.calls, writes.states, writes.tickets, phone.commands):
        log.clear()


async def test_live_objects_do_not_grow_with_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(book_module, "HISTORY_CALLS", HISTORY)
    monkeypatch.setattr(book_module, "DETAILED_CALLS", 5)
    monkeypatch.setattr(lookup_module, "LOOKUP_CACHE_SIZE", 8)
    numbers = [f"1390000{index:04d}" for index in range(NUMBERS)]
    backend = FreshBackend({n: [full_match(customer(cid=i + 1, phone=n))] for i, n in enumerate(numbers)})
    app, phone, _, writes = make_app(backend, options=DeskOptions(username="agent1", acw_mode="optional"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        for index in range(CHECKPOINT):
            await one_call(pilot, app, phone, writes, index, numbers[index % NUMBERS])
        first = await settled_counts(pilot, app, None)
        assert first["desk.calls"] == HISTORY, "the history bound must be reached before the first count"
        assert first["CallSession"] >= HISTORY
        for index in range(CHECKPOINT, CALLS):
            await one_call(pilot, app, phone, writes, index, numbers[index % NUMBERS])
        second = await settled_counts(pilot, app, first)
        assert not grown(first, second), f"kept per call (count after {CHECKPOINT} → after {CALLS} calls)"
        assert second["desk.calls"] == HISTORY
        assert f"c{CALLS - 1}" in app.desk.calls  # the desk really took the second hundred
