"""Agent state changes written in batches: one transaction and one commit for all that arrive together.

One change per transaction cost ~2 ms of server CPU (docs/performance.md): BEGIN IMMEDIATE and COMMIT,
a SELECT, the ORM flush, the state-log statements and the event insert, each a round trip, plus a hop
to a worker thread. A contact centre peaks at ~1,000 changes a second, so changes that arrive while a
batch is being written wait for the next one (group commit): one thread hop, one SELECT of every
agent concerned, one executemany per table and one commit for the lot, on plain columns (the ORM's
flush was a third of a batch's CPU). Under light load a batch is one change and nothing waits; under
heavy load batches grow, and the cost per change falls as the rate rises.

A batch never holds two changes of one agent (the second waits for the next batch), so each change
closes exactly the stretch the one before it opened.
"""

from __future__ import annotations

import asyncio
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection

from agent_tui.domain.agent import Agent, AgentStateChange, AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.events import EventKind
from agent_tui.domain.session import Role
from agent_tui.server import audit, broker, convert
from agent_tui.server.db import Database
from agent_tui.server.models import AgentStateLogRow, AgentStateRow, UserRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.wallboard import Wallboard

MAX_BATCH = 500
"""Most changes written in one transaction (bounds how long the write lock is held)."""


@dataclass(frozen=True, slots=True)
class StateChange:
    """One agent's change of state as asked: who, what, who asked and when it was asked."""

    username: str
    body: AgentStateChange
    by: str
    at: datetime = field(default_factory=utc_now)


Outcome = Agent | ProblemError
"""What a change came to: the agent as now stored, or why not (e.g. 404 for an unknown user)."""


def apply(db: Database, batch: list[StateChange]) -> list[Outcome]:
    """Write `batch` (no agent twice) in one transaction; the outcome of each change, in order.

    Core statements on plain columns, no ORM objects: one SELECT of every agent concerned, one
    executemany each for the state rows (update, insert), the state log (close, open) and one INSERT
    for the events, whatever the batch's size.
    """
    names = [change.username for change in batch]
    assert len(set(names)) == len(names), "one change per agent per batch"
    outcomes: list[Outcome] = []
    with db.write() as session:
        connection = session.connection()
        found = {row.username: row for row in connection.execute(_USERS_AND_STATES, {"names": names})}
        logged: list[StateChange] = []
        updated: list[dict[str, object]] = []
        inserted: list[dict[str, object]] = []
        for change in batch:
            row = found.get(change.username)
            if row is None:
                outcomes.append(ProblemError(404, f"no user {change.username}"))
                continue
            body = change.body
            state = body.state.value
            if row.state is None:
                current = _State(state, body.reason, change.at)
                logged.append(change)
            else:
                current = _State(row.state, row.reason, row.since, row.call_id, row.call_number,
                                 row.customer_id, row.queue, row.call_started, row.hold_since,
                                 row.hand_raised_at)
                if current.state != state or current.reason != body.reason:
                    current.state, current.reason, current.since = state, body.reason, change.at
                    logged.append(change)
            _set_call(current, body, change.at)
            (updated if row.state is not None else inserted).append(current.params(change.username))
            outcomes.append(convert.agent(row, current))
        if updated:
            connection.execute(_UPDATE_STATE, updated)
        if inserted:
            connection.execute(_INSERT_STATE, inserted)
        _log_states(connection, logged)
        for change in batch:
            if change.by != change.username and change.username in found:
                audit.command(session, change.by, change.username, "force_state",
                              {"state": change.body.state.value, "reason": change.body.reason},
                              action="set_state")
        # The agent and the supervisors only: other desks have no use for it (issue 16).
        events = [(o.model_dump(mode="json"), o.username) for o in outcomes if isinstance(o, Agent)]
        if events:
            broker.record_many(session, EventKind.AGENT_STATE, events, audience=Role.SUPERVISOR)
    return outcomes


@dataclass(slots=True)
class _State:
    """An agent's state row as plain values, changed in place and written back in one executemany."""

    state: str
    reason: str | None
    since: datetime
    call_id: str | None = None
    call_number: str | None = None
    customer_id: int | None = None
    queue: str | None = None
    call_started: datetime | None = None
    hold_since: datetime | None = None
    hand_raised_at: datetime | None = None

    def params(self, username: str) -> dict[str, object]:
        """The bound values of `_UPDATE_STATE` / `_INSERT_STATE` for this row."""
        return {"who": username, "v_state": self.state, "v_reason": self.reason, "v_since": self.since,
                "v_call_id": self.call_id, "v_call_number": self.call_number,
                "v_customer_id": self.customer_id, "v_queue": self.queue, "v_call_started": self.call_started,
                "v_hold_since": self.hold_since, "v_hand_raised_at": self.hand_raised_at}


class StateWriter:
    """Queues state changes and writes them in batches on a worker thread; one per process."""

    def __init__(self, db: Database, board: Wallboard, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.board = board
        self.max_batch = max_batch
        self._waiting: deque[tuple[StateChange, asyncio.Future[Outcome]]] = deque()
        self._draining: asyncio.Task[None] | None = None
        # One thread of its own: batches are written one after another anyway, and a hop through an
        # executor costs half of one through anyio's shared pool (~20 against ~40 µs of CPU, uvloop).
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agent-state-writer")
        self.batches = 0
        """Transactions written so far (for tests and benchmarks)."""

    async def change(self, change: StateChange) -> Agent:
        """Write `change` with whatever else is waiting; the agent as stored, or raise its problem."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((change, future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain(), name="agent-state-writer")
        outcome = await future
        if isinstance(outcome, ProblemError):
            raise outcome
        return outcome

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            batch = self._take()
            changes = [change for change, _ in batch]
            try:
                outcomes = await loop.run_in_executor(self._thread, apply, self.db, changes)
            except Exception as exc:  # the whole transaction failed: every change in it answers so
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            finally:
                self.batches += 1
            self.board.touch(queues=[change.body.queue for change in changes],
                             agents=[change.username for change in changes])
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if not future.done():  # its request may have been cancelled (client went away)
                    future.set_result(outcome)

    def _take(self) -> list[tuple[StateChange, asyncio.Future[Outcome]]]:
        """The oldest waiting changes, up to the first that repeats an agent or `max_batch`."""
        batch: list[tuple[StateChange, asyncio.Future[Outcome]]] = []
        names: set[str] = set()
        while self._waiting and len(batch) < self.max_batch:
            username = self._waiting[0][0].username
            if username in names:
                break
            names.add(username)
            batch.append(self._waiting.popleft())
        return batch


async def get_writer(request: Request) -> StateWriter:
    """The app's state writer."""
    writer: StateWriter = request.app.state.state_writer
    return writer


Writer = Annotated[StateWriter, Depends(get_writer)]


_CALL_STATES = frozenset({AgentStateName.RINGING, AgentStateName.ON_CALL, AgentStateName.ACW})


def _set_call(row: _State, body: AgentStateChange, now: datetime) -> None:
    """Keep the current call's fields while the agent is on it; forget them when they leave it."""
    if body.state not in _CALL_STATES:
        row.call_id = row.call_number = row.queue = None
        row.customer_id = row.call_started = row.hold_since = None
        if body.state == AgentStateName.LOGGED_OUT:
            row.hand_raised_at = None
        return
    if body.call_id is not None and body.call_id != row.call_id:
        row.call_id, row.call_started, row.hold_since = body.call_id, now, None
    elif row.call_started is None:
        row.call_started = now
    row.call_number = body.call_number or row.call_number
    row.customer_id = body.customer_id if body.customer_id is not None else row.customer_id
    row.queue = body.queue or row.queue
    if body.state != AgentStateName.ON_CALL or not body.on_hold:
        row.hold_since = None
    elif row.hold_since is None:
        row.hold_since = now


def _log_states(connection: Connection, changes: list[StateChange]) -> None:
    """Close each agent's open stretch of the state log and open the next (one statement each)."""
    if not changes:
        return
    connection.execute(_CLOSE_STRETCH, [{"who": c.username, "now": c.at} for c in changes])
    connection.execute(_OPEN_STRETCH, [
        {"who": c.username, "state": c.body.state.value, "reason": c.body.reason, "now": c.at}
        for c in changes
    ])


# Built once: the statements of every batch, so each skips building and keying them anew.
_USERS = cast(Table, UserRow.__table__)
_STATES = cast(Table, AgentStateRow.__table__)
_STATE_COLUMNS = ("state", "reason", "since", "call_id", "call_number", "customer_id", "queue",
                  "call_started", "hold_since", "hand_raised_at")
_USERS_AND_STATES = (
    select(_USERS.c.username, _USERS.c.display_name, _USERS.c.role, _USERS.c.team, _USERS.c.extension,
           _USERS.c.created_at, *(_STATES.c[name] for name in _STATE_COLUMNS))
    .select_from(_USERS.outerjoin(_STATES, _STATES.c.username == _USERS.c.username))
    .where(_USERS.c.username.in_(bindparam("names", expanding=True)))
)
_UPDATE_STATE = (
    update(_STATES)
    .where(_STATES.c.username == bindparam("who"))
    .values({name: bindparam(f"v_{name}") for name in _STATE_COLUMNS})  # a column's own name is reserved
)
_INSERT_STATE = insert(_STATES).values(username=bindparam("who"),
                                       **{name: bindparam(f"v_{name}") for name in _STATE_COLUMNS})
_STATE_LOG = cast(Table, AgentStateLogRow.__table__)
_CLOSE_STRETCH = (
    update(_STATE_LOG)
    .where(_STATE_LOG.c.username == bindparam("who"), _STATE_LOG.c.ended_at.is_(None))
    .values(ended_at=bindparam("now"))
)
_OPEN_STRETCH = insert(_STATE_LOG).values(
    username=bindparam("who"), state=bindparam("state"), reason=bindparam("reason"),
    started_at=bindparam("now"), ended_at=None,
)
