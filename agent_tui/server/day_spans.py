"""Each agent's state stretches of today, kept per process: the wallboard re-reads only the newest.

The wallboard recomputes every touched agent's figures for the day and the half hour. Reading and
summing the agent's whole day of stretches each time made its cost grow with the day: at 1,000
changes/s it was a quarter of the server's CPU after a minute of load, and the state changes it keeps
up with slowed down as the stretches piled up (docs/performance.md). An agent's stretches follow one
another and only the newest is open, so every stretch that started before the open one is settled: it
is summed into the day once, and kept only while it still reaches into the half hour. A read asks only
for each agent's stretches from its open one on, each agent from its own open stretch (one condition
per agent, which the (username, started_at) index answers): bounding a whole group by its earliest
open stretch read ~2.2x the rows needed (docs/performance.md, w16-state2). The statements are built
once per group size, not per read.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Executable, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from agent_tui.server.figures import StateSpan, StateTimes
from agent_tui.server.models import AgentStateLogRow

GROUP = 64
"""Agents read in one query: their earliest open stretch bounds what the query reads for all of them."""


_LOG = AgentStateLogRow
_COLUMNS = (_LOG.username, _LOG.state, _LOG.started_at, _LOG.ended_at)

_DAY_OF = select(*_COLUMNS).where(
    _LOG.username.in_(bindparam("names", expanding=True)),
    _LOG.ended_at.is_(None) | (_LOG.ended_at > bindparam("day")),
).order_by(_LOG.started_at, _LOG.id)
"""Every stretch of `names` that reaches into the day (binds: names, day)."""


@lru_cache(maxsize=GROUP)
def _from_floors(count: int) -> Executable:
    """The stretches of `count` agents, each from its own floor (binds: u0, f0, u1, f1, ...)."""
    # The column on the left gives each bind its type (the datetimes are stored as SQLite text).
    return select(*_COLUMNS).where(or_(*(
        and_(_LOG.username == bindparam(f"u{i}"), _LOG.started_at >= bindparam(f"f{i}"))
        for i in range(count)
    ))).order_by(_LOG.started_at, _LOG.id)


@dataclass(slots=True)
class _Agent:
    """What is known of one agent's day."""

    settled_day: StateTimes = field(default_factory=StateTimes)
    """The day's part of every settled (closed, before the open one) stretch."""
    settled: deque[StateSpan] = field(default_factory=deque)
    """Settled stretches that may still reach into the half hour."""
    fresh: list[StateSpan] = field(default_factory=list)
    """The open stretch and any after it, as last read."""
    floor: datetime | None = None
    """Stretches starting at or after this are read again (None: nothing read yet)."""


class DaySpans:
    """Today's state times of agents, read incrementally; thread-safe (the wallboard and snapshots)."""

    def __init__(self, group: int = GROUP) -> None:
        self.group = group
        self._day: datetime | None = None
        self._agents: dict[str, _Agent] = {}
        self._lock = threading.Lock()
        self.rows_read = 0
        """Stretches read from the database so far (what the tests hold the reads to)."""

    def times(
        self, session: Session, names: Sequence[str], day: datetime, half_hour: datetime, now: datetime,
    ) -> dict[str, tuple[StateTimes, StateTimes]]:
        """Each agent's state times within [day, now] and [half_hour, now]."""
        with self._lock:
            if day != self._day:
                self._day, self._agents = day, {}
            new = [name for name in names if name not in self._agents]
            if new:
                self._read(session, new, day, None)
            known = [(name, self._agents[name].floor or day) for name in names if name not in new]
            for at in range(0, len(known), self.group):
                self._read(session, [], day, known[at:at + self.group])
            out: dict[str, tuple[StateTimes, StateTimes]] = {}
            for name in names:
                agent = self._agents[name]
                while agent.settled and agent.settled[0].ended_at is not None \
                        and agent.settled[0].ended_at <= half_hour:
                    agent.settled.popleft()
                whole = replace(agent.settled_day)
                whole.add(agent.fresh, day, now)
                half = StateTimes()
                half.add(agent.settled, half_hour, now)
                half.add(agent.fresh, half_hour, now)
                out[name] = (whole, half)
            return out

    def _read(self, session: Session, names: list[str], day: datetime,
              floors: list[tuple[str, datetime]] | None) -> None:
        """Read `names`' stretches overlapping the day (`floors` None), or each of `floors`' agents'
        stretches starting at its floor or later."""
        if floors is None:
            result = session.execute(_DAY_OF, {"names": names, "day": day})
        else:
            names = [name for name, _ in floors]
            binds: dict[str, Any] = {}
            for i, (name, since) in enumerate(floors):
                binds[f"u{i}"], binds[f"f{i}"] = name, since
            result = session.execute(_from_floors(len(floors)), binds)
        found: dict[str, list[StateSpan]] = defaultdict(list)
        for username, state, started_at, ended_at in result:
            found[username].append(StateSpan(state, started_at, ended_at))
            self.rows_read += 1
        for name in names:
            agent = self._agents.setdefault(name, _Agent())
            floor = agent.floor
            spans = [s for s in found.get(name, ()) if floor is None or s.started_at >= floor]
            if not spans:
                continue  # nothing new (or a read older than the last): keep what is known
            first_open = next((s.started_at for s in spans if s.ended_at is None), spans[-1].started_at)
            settling = [s for s in spans if s.started_at < first_open]
            agent.settled_day.add(settling, day, first_open)
            agent.settled.extend(settling)
            agent.fresh = [s for s in spans if s.started_at >= first_open]
            agent.floor = first_open
