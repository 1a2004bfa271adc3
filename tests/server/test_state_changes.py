"""Agent state changes written in batches (`server/state_changes.py`) on real SQLite and PostgreSQL, and the
one visibility rule that sends an agent's state to the agent and the supervisors only."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from agent_tui.domain.agent import Agent, AgentStateChange, AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.events import EventKind
from agent_tui.domain.session import Role
from agent_tui.server import migrate
from agent_tui.server.broker import may_see
from agent_tui.server.db import Database
from agent_tui.server.live import LiveFigures
from agent_tui.server.models import AgentStateLogRow, AgentStateRow, AuditRow, EventRow, UserRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.settings import ServerSettings
from agent_tui.server.state_changes import StateChange, StateWriter, apply
from agent_tui.server.wallboard import Wallboard

pytestmark = pytest.mark.timeout(120)
AGENTS = [f"a{i:02d}" for i in range(1, 21)]


@pytest.fixture
def url(db_url: str) -> str:
    """SQLite and PostgreSQL (one lock and one NOTIFY per batch there)."""
    return db_url


@pytest.fixture
def db(url: str) -> Iterator[Database]:
    database = Database(url)
    migrate.upgrade(database)
    with database.write() as session:
        for name in [*AGENTS, "sup01"]:
            role = "supervisor" if name == "sup01" else "agent"
            session.add(UserRow(username=name, display_name=name.upper(), role=role, team="t1",
                                extension=None,
                                password_hash="x", created_at=utc_now()))
    try:
        yield database
    finally:
        database.dispose()


def change(username: str, state: AgentStateName, by: str | None = None, **fields: object) -> StateChange:
    body = AgentStateChange.model_validate({"state": state, **fields})
    return StateChange(username, body, by=by or username)


def log_of(db: Database, username: str) -> list[tuple[str, bool]]:
    """The agent's state-log stretches, oldest first: (state, still open)."""
    with db.read() as session:
        rows = session.scalars(select(AgentStateLogRow).where(AgentStateLogRow.username == username)
                               .order_by(AgentStateLogRow.id)).all()
        return [(row.state, row.ended_at is None) for row in rows]


def test_the_rule_target_and_audience_together_mean_either() -> None:
    assert may_see(None, None, "a01", Role.AGENT)
    assert may_see("a01", None, "a01", Role.AGENT)
    assert not may_see("a01", None, "a02", Role.AGENT)
    assert not may_see("a01", None, "sup01", Role.SUPERVISOR)
    assert may_see(None, "supervisor", "sup01", Role.SUPERVISOR)
    assert not may_see(None, "supervisor", "a01", Role.AGENT)
    # An agent's own state: the agent and every supervisor, no other desk.
    assert may_see("a01", "supervisor", "a01", Role.AGENT)
    assert may_see("a01", "supervisor", "sup02", Role.SUPERVISOR)
    assert not may_see("a01", "supervisor", "a02", Role.AGENT)
    assert not may_see("a01", "supervisor", "trainer01", Role.TRAINER)


def test_one_batch_writes_every_change_and_answers_each(db: Database) -> None:
    batch = [change("a01", AgentStateName.READY), change("nobody", AgentStateName.READY),
             change("a02", AgentStateName.ON_CALL, call_id="c1", call_number="13800000000", queue="q1"),
             change("a03", AgentStateName.NOT_READY, by="sup01", reason="break")]
    outcomes = apply(db, batch)
    assert isinstance(outcomes[1], ProblemError)
    assert outcomes[1].status == 404
    agents = [o for o in outcomes if isinstance(o, Agent)]
    assert [(a.username, a.state.state) for a in agents] == [
        ("a01", AgentStateName.READY), ("a02", AgentStateName.ON_CALL), ("a03", AgentStateName.NOT_READY)]
    assert (agents[1].state.call_id, agents[1].state.queue) == ("c1", "q1")
    with db.read() as session:
        stored = {row.username: row for row in session.scalars(select(AgentStateRow))}
        events = session.scalars(select(EventRow).where(EventRow.kind == EventKind.AGENT_STATE.value)
                                 .order_by(EventRow.id)).all()
        audits = session.scalars(select(AuditRow)).all()
    assert {name: row.state for name, row in stored.items()} == {"a01": "ready", "a02": "on_call",
                                                                 "a03": "not_ready"}
    assert [(e.target, e.audience, e.data["state"]["state"]) for e in events] == [
        ("a01", "supervisor", "ready"), ("a02", "supervisor", "on_call"), ("a03", "supervisor", "not_ready")]
    assert [(a.actor, a.agent, a.action) for a in audits] == [("sup01", "a03", "set_state")]
    # The next batch closes each stretch and opens the next; an unchanged state opens none.
    apply(db, [change("a01", AgentStateName.NOT_READY, reason="lunch"), change("a02", AgentStateName.ON_CALL,
                                                                               on_hold=True)])
    assert log_of(db, "a01") == [("ready", False), ("not_ready", True)]
    assert log_of(db, "a02") == [("on_call", True)]
    with db.read() as session:
        a02 = session.get(AgentStateRow, "a02")
        assert a02 is not None
        assert (a02.hold_since is not None, a02.call_id) == (True, "c1")


async def test_changes_arriving_together_share_transactions_and_keep_each_agents_order(
        db: Database, url: str) -> None:
    writer = StateWriter(db, Wallboard(db, LiveFigures(ServerSettings.from_url(url))))
    states = [AgentStateName.READY, AgentStateName.NOT_READY, AgentStateName.READY, AgentStateName.ACW]
    # Every agent four times in a row: a batch never holds one agent twice, so order is kept per agent.
    changes = [change(name, state, reason="break" if state == AgentStateName.NOT_READY else None)
               for state in states for name in AGENTS]
    async with asyncio.timeout(60):
        answers = await asyncio.gather(*(writer.change(c) for c in changes))
    assert [(a.username, a.state.state) for a in answers] == [(c.username, c.body.state) for c in changes]
    assert len(AGENTS) * len(states) == 80
    assert len(states) <= writer.batches < 80  # grouped; at least one batch per change of one agent
    for name in AGENTS:
        assert log_of(db, name) == [("ready", False), ("not_ready", False), ("ready", False), ("acw", True)]
    with pytest.raises(ProblemError) as refused:
        await writer.change(change("nobody", AgentStateName.READY))
    assert refused.value.status == 404


def test_on_postgresql_a_batch_takes_the_ids_lock_and_notifies_once(pg_url: str) -> None:
    import psycopg

    from agent_tui.server.broker import _PG_EVENTS_LOCK, CHANNEL, record_many

    db = Database(pg_url)
    migrate.upgrade(db)
    conninfo = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with contextlib.ExitStack() as stack:
        stack.callback(db.dispose)
        other = stack.enter_context(psycopg.connect(conninfo, autocommit=True))
        other.execute(f"LISTEN {CHANNEL}")
        with db.write() as session:
            record_many(session, EventKind.AGENT_STATE, [({"n": 1}, "a01"), ({"n": 2}, "a02")])
            record_many(session, EventKind.AGENT_STATE, [({"n": 3}, "a03")])
            taken = other.execute("SELECT pg_try_advisory_xact_lock(%s)", (_PG_EVENTS_LOCK,)).fetchone()
            assert taken == (False,)  # held by the writer until its commit
        notices = list(other.notifies(timeout=5, stop_after=1))
        assert [n.channel for n in notices] == [CHANNEL]
        assert list(other.notifies(timeout=0.2)) == []  # once per transaction, not per event
        assert other.execute("SELECT pg_try_advisory_xact_lock(%s)", (_PG_EVENTS_LOCK,)).fetchone() == (True,)
