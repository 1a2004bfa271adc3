"""The wallboard's data, without any widget: rows by key, what changed since the last paint, filters.

The feed applies snapshots and live events here as they come (cheap dictionary updates); the screen
takes the changes at most a few times a second (`take_changes`) and repaints only those rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import Any

from pydantic import ValidationError

from agent_tui.domain.agent import Agent, AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.figures import occupancy, ratio, utilisation
from agent_tui.domain.supervision import AgentRow, AgentRows, Alert, QueuePanel, WallboardSnapshot


class SortKey(StrEnum):
    """What the agents table is ordered by."""

    NAME = "name"
    STATE = "state"
    TIME = "time"
    TEAM = "team"


SORT_ORDER: tuple[SortKey, ...] = (SortKey.NAME, SortKey.STATE, SortKey.TIME, SortKey.TEAM)

_STATE_RANK = {
    AgentStateName.RINGING: 0, AgentStateName.ON_CALL: 1, AgentStateName.ACW: 2, AgentStateName.READY: 3,
    AgentStateName.NOT_READY: 4, AgentStateName.LOGGED_OUT: 5,
}


@dataclass(frozen=True)
class AgentFilter:
    """Which agents (and queues) show; `None` means any."""

    team: str | None = None
    queue: str | None = None
    state: AgentStateName | None = None

    def agent(self, row: AgentRow) -> bool:
        """Whether an agent row passes."""
        return ((self.team is None or row.team == self.team)
                and (self.queue is None or row.call_queue == self.queue)
                and (self.state is None or row.state == self.state))

    def queue_panel(self, panel: QueuePanel) -> bool:
        """Whether a queue passes."""
        return self.queue is None or panel.queue == self.queue

    @property
    def active(self) -> bool:
        """Something is filtered."""
        return self.team is not None or self.queue is not None or self.state is not None


def sort_value(row: AgentRow, key: SortKey) -> tuple[Any, ...]:
    """The ordering tuple of a row (ties broken by username)."""
    if key == SortKey.STATE:
        return (_STATE_RANK.get(row.state, 9), row.since, row.username)
    if key == SortKey.TIME:
        return (row.since, row.username)
    if key == SortKey.TEAM:
        return (row.team or "\uffff", row.username)
    return (row.username,)


AGENT_CELL_FIELDS = ("username", "display_name", "team", "state", "reason", "since", "phone_online",
                     "raised_hand", "call_id", "call_number", "call_queue", "call_started", "on_hold_since",
                     "customer_id", "customer_name")
"""The fields of an `AgentRow` that `CellMaker.agent` (cells.py) reads, with the clock: keep the two
together (tests/monitor/test_alerts_agree.py checks every other field is a figure)."""


_cell_fields = attrgetter(*AGENT_CELL_FIELDS)


def agent_cell_fields(row: AgentRow) -> tuple[object, ...]:
    """What the agent's cells are made of, besides the clock: equal tuples make equal cells at one
    time. A row whose figures alone changed (an `agent_rows` event after the desk's own `agent_state`)
    needs no new cells."""
    fields: tuple[object, ...] = _cell_fields(row)  # one C call: this runs for every changed row
    return fields


@dataclass
class Changes:
    """What to repaint."""

    full: bool
    agents: set[str] = field(default_factory=set)
    queues: set[str] = field(default_factory=set)
    alerts: bool = False
    arrivals: list[float] = field(default_factory=list)
    """`time.monotonic()` when each change in here arrived (for the event → painted figure)."""

    @property
    def oldest(self) -> float | None:
        """When the oldest change arrived."""
        return self.arrivals[0] if self.arrivals else None

    @property
    def empty(self) -> bool:
        """Nothing to repaint."""
        return not (self.full or self.agents or self.queues or self.alerts)


class WallboardModel:
    """Agents, queues and alerts by key, with the keys changed since the last `take_changes`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.agents: dict[str, AgentRow] = {}
        self.queues: dict[str, QueuePanel] = {}
        self.alerts: dict[str, Alert] = {}
        self.skew = timedelta(0)
        """Backend clock minus ours, from the last snapshot: timers tick on the backend's time."""
        self.loaded = False
        self._clock = clock
        self._changes = Changes(full=False)
        self.skipped = 0
        """Events that did not fit the contract (logged by the caller, never fatal)."""

    def now(self) -> datetime:
        """The backend's time now."""
        return utc_now() + self.skew

    def _touch(self) -> None:
        self._changes.arrivals.append(self._clock())

    def apply_snapshot(self, snapshot: WallboardSnapshot) -> None:
        """Replace everything."""
        self.skew = snapshot.at - utc_now()
        self.agents = {row.username: row for row in snapshot.agents}
        self.queues = {panel.queue: panel for panel in snapshot.queues}
        self.alerts = {alert.key: alert for alert in snapshot.alerts if not alert.cleared}
        self.loaded = True
        self._touch()
        self._changes.full = True

    def apply_event(self, event: Event) -> bool:
        """Apply one live event; False when it is not a wallboard event or does not fit the contract."""
        try:
            if event.kind == EventKind.AGENT_ROWS:
                self._rows(AgentRows.model_validate(event.data).rows)
            elif event.kind == EventKind.AGENT_STATE:
                if not self._on_board(event.data):
                    return False  # not on this wallboard: validating it would change nothing
                self._state(Agent.model_validate(event.data))
            elif event.kind == EventKind.QUEUE_STATS:
                panel = QueuePanel.model_validate(event.data)
                self.queues[panel.queue] = panel
                self._touch()
                self._changes.queues.add(panel.queue)
            elif event.kind == EventKind.ALERT:
                self._alert(Alert.model_validate(event.data))
            else:
                return False
        except ValidationError:
            self.skipped += 1
            return False
        return True

    def _on_board(self, data: dict[str, Any]) -> bool:
        """Whether an `agent_state` event's data names an agent of this wallboard (read without
        validating it: usernames are stripped, as the contract's validation does). Supervisors get
        every agent's state changes; only the board's are worth validating."""
        username = data.get("username")
        return not isinstance(username, str) or username.strip() in self.agents

    def _rows(self, rows: Iterable[AgentRow]) -> None:
        """Rows from the backend: a row whose shown fields did not change (its figures did: the desk's
        `agent_state` came first) is kept for the floor line but is no change to paint."""
        for row in rows:
            old = self.agents.get(row.username)
            self.agents[row.username] = row
            if old is None or agent_cell_fields(old) != agent_cell_fields(row):
                self._changes.agents.add(row.username)
        self._touch()

    def _state(self, agent: Agent) -> None:
        """A desk's state change, ahead of the backend's coalesced row (which carries the figures)."""
        row = self.agents.get(agent.username)
        if row is None:
            return  # not on this wallboard (trainers, new users): the next snapshot brings them
        state = agent.state
        on_call = state.state in (AgentStateName.RINGING, AgentStateName.ON_CALL, AgentStateName.ACW)
        update: dict[str, Any] = {"state": state.state, "reason": state.reason, "since": state.since}
        if not on_call:
            update.update(call_id=None, call_number=None, call_queue=None, call_started=None,
                          on_hold_since=None, customer_id=None, customer_name=None)
        elif state.call_id is not None and state.call_id != row.call_id:
            update.update(call_id=state.call_id, call_number=state.call_number, call_queue=state.queue,
                          call_started=state.since, customer_id=state.customer_id, customer_name=None)
        self.agents[agent.username] = row.model_copy(update=update)
        self._changes.agents.add(agent.username)
        self._touch()

    def _alert(self, alert: Alert) -> None:
        if alert.cleared:
            self.alerts.pop(alert.key, None)
        else:
            self.alerts[alert.key] = alert
        self._changes.alerts = True
        self._touch()

    def take_changes(self) -> Changes:
        """What changed since the last call (and forget it)."""
        changes, self._changes = self._changes, Changes(full=False)
        return changes

    def pending(self) -> bool:
        """Something is waiting to be painted."""
        return not self._changes.empty

    def teams(self) -> list[str]:
        """Every team on the board."""
        return sorted({row.team for row in self.agents.values() if row.team})

    def queue_names(self) -> list[str]:
        """Every queue on the board (and queues agents are on calls from)."""
        names = set(self.queues) | {row.call_queue for row in self.agents.values() if row.call_queue}
        return sorted(names)

    def raised_hands(self) -> list[AgentRow]:
        """Agents with a hand up, longest first."""
        return sorted((r for r in self.agents.values() if r.raised_hand), key=lambda r: r.since)


@dataclass(frozen=True)
class FloorFigures:
    """The floor's figures over the window the queues table shows (agents' and queues' sums)."""

    occupancy: float | None = None
    utilisation: float | None = None
    transfer_rate: float | None = None
    avg_hold_s: float | None = None
    avg_abandon_s: float | None = None
    satisfaction_avg: float | None = None
    """Callers' average keypad score (1-5) of the agents' calls; None: nobody scored yet."""


def floor_figures(agents: Iterable[AgentRow], queues: Iterable[QueuePanel], *, today: bool) -> FloorFigures:
    """Occupancy, utilisation, transfer rate and average hold of every agent, average abandon time of
    every queue: sums first, then the ratios, by the rules of `domain.figures`."""
    busy = ready = logged_in = talk = hold = 0.0
    calls = transferred = abandoned = scored = 0
    abandon_s = score_sum = 0.0
    for row in agents:
        f = row.today if today else row.half_hour
        busy, ready, logged_in = busy + f.busy_s, ready + f.ready_s, logged_in + f.logged_in_s
        talk, hold = talk + f.talk_s, hold + f.hold_s
        calls, transferred = calls + f.calls_handled, transferred + f.transferred
        if f.satisfaction_avg is not None:
            scored += f.satisfaction_count
            score_sum += f.satisfaction_avg * f.satisfaction_count
    for panel in queues:
        q = panel.today if today else panel.half_hour
        if q.avg_abandon_s is not None:
            abandoned += q.abandoned
            abandon_s += q.avg_abandon_s * q.abandoned
    return FloorFigures(occupancy=occupancy(busy, ready), utilisation=utilisation(talk, logged_in),
                        transfer_rate=ratio(transferred, calls), avg_hold_s=ratio(hold, calls),
                        avg_abandon_s=ratio(abandon_s, abandoned), satisfaction_avg=ratio(score_sum, scored))
