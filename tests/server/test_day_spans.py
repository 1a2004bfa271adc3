"""`DaySpans` reads only each agent's newest stretches, yet its day and half-hour state times equal
those summed from the whole day's stretches (`LiveFigures.state_spans`, the old path), read after
read, on a real SQLite database written by the batched state writer."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.server import migrate
from agent_tui.server.day_spans import DaySpans
from agent_tui.server.db import Database
from agent_tui.server.figures import StateTimes
from agent_tui.server.live import LiveFigures
from agent_tui.server.models import UserRow
from agent_tui.server.settings import ServerSettings
from agent_tui.server.state_changes import StateChange, apply

AGENTS = [f"a{i:02d}" for i in range(1, 9)]
STATES = [AgentStateName.READY, AgentStateName.ON_CALL, AgentStateName.ACW, AgentStateName.NOT_READY,
          AgentStateName.LOGGED_OUT]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'spans.db'}")
    migrate.upgrade(database)
    with database.write() as session:
        for name in AGENTS:
            session.add(UserRow(username=name, display_name=name, role="agent", team=None, extension=None,
                                password_hash="x", created_at=utc_now()))
    try:
        yield database
    finally:
        database.dispose()


def as_tuple(times: StateTimes) -> tuple[float, float, float]:
    return round(times.busy_s, 6), round(times.ready_s, 6), round(times.logged_in_s, 6)


def test_incremental_times_equal_the_whole_day_summed(db: Database, tmp_path: Path) -> None:
    rng = random.Random(16)
    live = LiveFigures(ServerSettings.from_url(f"sqlite:///{tmp_path / 'unused.db'}"))
    cache = DaySpans(group=3)  # several groups per read
    start = utc_now() - timedelta(hours=2)
    day = start - timedelta(hours=1)
    for round_no in range(40):
        at = start + timedelta(seconds=90 * round_no)
        batch = [StateChange(name, AgentStateChange(state=rng.choice(STATES)), by=name,
                             at=at + timedelta(seconds=rng.uniform(0, 80)))
                 for name in rng.sample(AGENTS, rng.randint(1, len(AGENTS)))]
        apply(db, batch)
        now = at + timedelta(seconds=85)
        half = start + timedelta(seconds=60 * round_no)  # moves on, as the half hour does
        asked = rng.sample(AGENTS, rng.randint(1, len(AGENTS)))  # only touched agents are asked for
        with db.read() as session:
            got = cache.times(session, asked, day, half, now)
            spans = live.state_spans(session, day, asked)
        for name in asked:
            whole, part = StateTimes(), StateTimes()
            whole.add(spans.get(name, []), day, now)
            part.add(spans.get(name, []), half, now)
            assert (as_tuple(got[name][0]), as_tuple(got[name][1])) == (as_tuple(whole), as_tuple(part)), \
                (round_no, name)
    assert any(agent.settled_day.logged_in_s > 0 for agent in cache._agents.values())  # it did settle


def test_each_agent_is_read_from_its_own_open_stretch(db: Database) -> None:
    # Agents whose open stretches started far apart: a group bounded by the earliest would read the
    # later agents' settled stretches again; each agent's own bound reads only its open stretch.
    start = utc_now() - timedelta(hours=1)
    day = start - timedelta(hours=1)
    for step, state in enumerate(STATES[:3]):
        apply(db, [StateChange(name, AgentStateChange(state=state), by=name,
                               at=start + timedelta(minutes=5 * i + step)) for i, name in enumerate(AGENTS)])
    cache = DaySpans()
    now = utc_now()
    with db.read() as session:
        cache.times(session, AGENTS, day, now - timedelta(minutes=30), now)
    assert cache.rows_read == 3 * len(AGENTS)  # the first read: the whole day
    apply(db, [StateChange(AGENTS[-1], AgentStateChange(state=AgentStateName.READY), by=AGENTS[-1],
                           at=now)])
    later = utc_now()
    with db.read() as session:
        cache.times(session, AGENTS, day, later - timedelta(minutes=30), later)
    # One open stretch per agent, and the changed agent's new one.
    assert cache.rows_read - 3 * len(AGENTS) == len(AGENTS) + 1
