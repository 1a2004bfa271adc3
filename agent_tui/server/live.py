"""Live supervision figures from the database: queue panels, agent rows, alerts, the wallboard snapshot."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.call import PICKED_UP, Direction
from agent_tui.domain.figures import is_transferred, talk_seconds
from agent_tui.domain.session import Role
from agent_tui.domain.supervision import (
    AgentDayFigures,
    AgentFigures,
    AgentRow,
    Alert,
    AlertKind,
    AlertLevel,
    QueuePanel,
    WallboardSnapshot,
)
from agent_tui.server import figures, satisfaction
from agent_tui.server.day_spans import DaySpans
from agent_tui.server.figures import HandledCall, QueueCallFacts, StateSpan
from agent_tui.server.models import (
    AgentStateLogRow,
    AgentStateRow,
    AlertRow,
    CallRow,
    CustomerRow,
    EventRow,
    QueueCallRow,
    UserRow,
)
from agent_tui.server.row_fields import BoardStateFields, UserColumns
from agent_tui.server.settings import ServerSettings

PHONE_OFFLINE = "phone_offline"
"""The Not Ready reason a desk sets when its phone lost its registration."""
ON_CALL_STATES = frozenset({AgentStateName.RINGING.value, AgentStateName.ON_CALL.value})


@dataclass(frozen=True, slots=True)
class Windows:
    """The current half hour and day, and the moment they were judged at."""

    now: datetime
    half_hour: datetime
    day: datetime


class LiveFigures:
    """Computes the wallboard from the tables, with the thresholds of the server settings."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.zone: tzinfo | None = ZoneInfo(settings.timezone) if settings.timezone else None
        self.day_spans = DaySpans()
        """Today's stretches of each agent the wallboard has shown, so it reads only the newest."""

    def windows(self, now: datetime) -> Windows:
        """The windows `now` falls in."""
        return Windows(now, figures.half_hour_start(now, self.zone), figures.day_start(now, self.zone))

    def sl_threshold(self, queue: str) -> int:
        """The service-level threshold of a queue."""
        return self.settings.queue_sl_thresholds.get(queue, self.settings.sl_threshold_s)

    # ---- queues ---------------------------------------------------------------------------------

    def queue_facts(
        self, session: Session, since: datetime, queues: Collection[str] | None = None,
        until: datetime | None = None,
    ) -> dict[str, list[QueueCallFacts]]:
        """Callers enqueued since `since` (and before `until`), by queue; training calls left out."""
        query = (
            select(QueueCallRow.queue, QueueCallRow.enqueued_at, QueueCallRow.answered_at,
                   QueueCallRow.ended_at, QueueCallRow.outcome, CallRow.talk_s, CallRow.hold_s,
                   CallRow.acw_s, CallRow.answered_at.label("call_answered"),
                   CallRow.ended_at.label("call_ended"),
                   # Two fields of the record, not the whole of it (notes may be long): read every publish.
                   CallRow.record["disposition"].as_string().label("disposition"),
                   CallRow.record["transfer_reason"].as_string().label("transfer_reason"))
            .outerjoin(CallRow, CallRow.call_id == QueueCallRow.call_id)
            .where(QueueCallRow.enqueued_at >= since, QueueCallRow.training.is_(False))
        )
        if until is not None:
            query = query.where(QueueCallRow.enqueued_at < until)
        if queues is not None:
            query = query.where(QueueCallRow.queue.in_(list(queues)))
        out: dict[str, list[QueueCallFacts]] = defaultdict(list)
        for row in session.execute(query):
            known = row.answered_at is not None and row.call_ended is not None
            out[row.queue].append(QueueCallFacts(
                queue=row.queue, enqueued_at=row.enqueued_at, answered_at=row.answered_at,
                ended_at=row.ended_at, overflow=row.outcome == "overflow",
                talk_s=_talk(row.call_answered, row.call_ended, row.talk_s, row.hold_s) if known else None,
                hold_s=(row.hold_s or 0.0) if known else 0.0, acw_s=(row.acw_s or 0.0) if known else 0.0,
                transferred=known and is_transferred(row.disposition, row.transfer_reason),
            ))
        return out

    def queue_panels(
        self, session: Session, now: datetime, queues: Collection[str] | None = None
    ) -> list[QueuePanel]:
        """Panels of `queues` (None: every queue seen today or configured), by name."""
        w = self.windows(now)
        since = min(w.day, now - figures.STALE_WAIT)
        facts = self.queue_facts(session, since, queues)
        names = set(facts) if queues is None else set(queues)
        if queues is None:
            names |= set(self.settings.queue_sl_thresholds)
        ready = session.execute(
            select(func.count()).select_from(AgentStateRow).where(AgentStateRow.state == "ready")
        ).scalar_one()
        busy: dict[str, int] = {
            str(queue): int(count) for queue, count in session.execute(
                select(AgentStateRow.queue, func.count()).where(
                    AgentStateRow.state.in_(ON_CALL_STATES), AgentStateRow.queue.is_not(None)
                ).group_by(AgentStateRow.queue)
            )
        }
        panels = []
        for name in sorted(names):
            calls = facts.get(name, [])
            threshold = self.sl_threshold(name)
            short = self.settings.short_abandon_s
            count, longest, oldest = figures.waiting(calls, now)
            panels.append(QueuePanel(
                queue=name, waiting=count, longest_wait_s=longest, oldest_waiting_since=oldest,
                agents_ready=ready, agents_busy=busy.get(name, 0),
                half_hour=figures.queue_figures(name, calls, w.half_hour, now, sl_threshold_s=threshold,
                                                short_abandon_s=short),
                today=figures.queue_figures(name, calls, w.day, now, sl_threshold_s=threshold,
                                            short_abandon_s=short),
            ))
        return panels

    # ---- agents ---------------------------------------------------------------------------------

    def handled_calls(
        self, session: Session, since: datetime, agents: Collection[str] | None = None,
        until: datetime | None = None,
    ) -> dict[str, list[HandledCall]]:
        """Calls answered since `since` (before `until`), by agent; training and picked-up calls left out."""
        query = select(CallRow.agent, CallRow.answered_at, CallRow.ended_at, CallRow.talk_s, CallRow.hold_s,
                       CallRow.acw_s, CallRow.record).where(
            CallRow.answered_at >= since, CallRow.agent.is_not(None), CallRow.training.is_(False)
        )
        if until is not None:
            query = query.where(CallRow.answered_at < until)
        if agents is not None:
            query = query.where(CallRow.agent.in_(list(agents)))
        out: dict[str, list[HandledCall]] = defaultdict(list)
        for row in session.execute(query):
            if isinstance(row.record, dict) and row.record.get("disposition") == PICKED_UP:
                continue  # a supervisor picked it up while it rang here: the agent did not handle it
            fcr = row.record.get("first_call_resolved") if isinstance(row.record, dict) else None
            out[row.agent].append(HandledCall(
                answered_at=row.answered_at,
                talk_s=_talk(row.answered_at, row.ended_at, row.talk_s, row.hold_s),
                hold_s=row.hold_s, acw_s=row.acw_s,
                first_call_resolved=fcr if isinstance(fcr, bool) else None,
                transferred=_transferred(row.record),
            ))
        return out

    def missed_calls(
        self, session: Session, since: datetime, agents: Collection[str] | None = None,
        until: datetime | None = None,
    ) -> dict[str, list[datetime]]:
        """When each inbound call that reached an agent and was never answered there was offered."""
        offered = func.coalesce(CallRow.offered_at, CallRow.ended_at)
        query = select(CallRow.agent, offered.label("offered")).where(
            CallRow.answered_at.is_(None), CallRow.agent.is_not(None), CallRow.training.is_(False),
            CallRow.direction == Direction.INBOUND.value, offered >= since,
        )
        if until is not None:
            query = query.where(offered < until)
        if agents is not None:
            query = query.where(CallRow.agent.in_(list(agents)))
        out: dict[str, list[datetime]] = defaultdict(list)
        for row in session.execute(query):
            out[row.agent].append(row.offered)
        return out

    def state_spans(
        self, session: Session, since: datetime, agents: Collection[str] | None = None,
        until: datetime | None = None,
    ) -> dict[str, list[StateSpan]]:
        """State stretches overlapping [since, until), by agent."""
        query = select(AgentStateLogRow.username, AgentStateLogRow.state, AgentStateLogRow.started_at,
                       AgentStateLogRow.ended_at).where(
            (AgentStateLogRow.ended_at.is_(None)) | (AgentStateLogRow.ended_at > since)
        )
        if until is not None:
            query = query.where(AgentStateLogRow.started_at < until)
        if agents is not None:
            query = query.where(AgentStateLogRow.username.in_(list(agents)))
        out: dict[str, list[StateSpan]] = defaultdict(list)
        for row in session.execute(query):
            out[row.username].append(StateSpan(row.state, row.started_at, row.ended_at))
        return out

    def agent_rows(
        self, session: Session, now: datetime, agents: Collection[str] | None = None
    ) -> list[AgentRow]:
        """Wallboard rows of agents (None: every user with the agent role), by username."""
        w = self.windows(now)
        # Plain columns, not ORM objects: loading them as objects was 10% of the server's CPU at
        # 1,000 state changes/s (docs/performance.md); each row serves as both halves of the pair.
        query = select(*_ROW_USER, *_ROW_STATE).outerjoin(
            AgentStateRow, AgentStateRow.username == UserRow.username
        )
        if agents is None:
            query = query.where(UserRow.role == Role.AGENT.value)
        else:
            query = query.where(UserRow.username.in_(list(agents)))
        pairs: list[tuple[UserColumns, BoardStateFields | None]] = [
            (row, row if row.state is not None else None)
            for row in session.execute(query.order_by(UserRow.username))
        ]
        names = [user.username for user, _ in pairs]
        calls = self.handled_calls(session, w.day, names)
        times = self.day_spans.times(session, names, w.day, w.half_hour, now)
        scored = satisfaction.by_agent(satisfaction.scored_calls(session, w.day, agents=names))
        customer_ids = {s.customer_id for _, s in pairs if s is not None and s.customer_id is not None}
        customers: dict[int, str] = {}
        if customer_ids:
            customers = {
                int(cid): str(name) for cid, name in session.execute(
                    select(CustomerRow.id, CustomerRow.name).where(CustomerRow.id.in_(customer_ids))
                )
            }
        rows = []
        for user, state in pairs:
            name = user.username
            mine, (day_times, half_times) = calls.get(name, []), times[name]
            scores = scored.get(name, [])
            rows.append(self._row(
                user, state, now, customers,
                satisfaction.with_scores(figures.figures_of(figures.handling_of(mine, w.half_hour, now),
                                                            half_times), scores, w.half_hour, now),
                satisfaction.with_scores(figures.figures_of(figures.handling_of(mine, w.day, now),
                                                            day_times), scores, w.day, now)))
        return rows

    def agent_today(self, session: Session, username: str, now: datetime) -> AgentDayFigures:
        """One agent's figures from the start of today to `now` (as the wallboard's `today`)."""
        day = self.windows(now).day
        calls = self.handled_calls(session, day, [username]).get(username, [])
        spans = self.state_spans(session, day, [username]).get(username, [])
        scores = satisfaction.scored_calls(session, day, agents=[username])
        return AgentDayFigures(username=username, at=now, day_start=day, today=satisfaction.with_scores(
            figures.agent_figures(calls, spans, day, now), scores, day, now))

    @staticmethod
    def _row(user: UserColumns, state: BoardStateFields | None, now: datetime, customers: dict[int, str],
             half: AgentFigures, today: AgentFigures) -> AgentRow:
        if state is None:
            return AgentRow(
                username=user.username, display_name=user.display_name, team=user.team,
                extension=user.extension, state=AgentStateName.LOGGED_OUT, since=user.created_at,
                time_in_state_s=max((now - user.created_at).total_seconds(), 0.0), half_hour=half,
                today=today,
            )
        with_call = state.state in ON_CALL_STATES or state.state == AgentStateName.ACW.value
        started = state.call_started if with_call else None
        return AgentRow(
            username=user.username, display_name=user.display_name, team=user.team,
            extension=user.extension,
            state=AgentStateName(state.state), reason=state.reason, since=state.since,
            time_in_state_s=max((now - state.since).total_seconds(), 0.0),
            call_id=state.call_id if with_call else None,
            call_number=state.call_number if with_call else None,
            call_queue=state.queue if with_call else None,
            call_started=started,
            call_duration_s=max((now - started).total_seconds(), 0.0) if started is not None else None,
            on_hold_since=state.hold_since if state.state == AgentStateName.ON_CALL.value else None,
            customer_id=state.customer_id if with_call else None,
            customer_name=customers.get(state.customer_id) if with_call and state.customer_id else None,
            phone_online=state.state != AgentStateName.LOGGED_OUT.value and state.reason != PHONE_OFFLINE,
            raised_hand=state.hand_raised_at is not None,
            half_hour=half, today=today,
        )

    # ---- alerts ---------------------------------------------------------------------------------

    def wanted_alerts(
        self, session: Session, now: datetime, panels: Iterable[QueuePanel]
    ) -> dict[str, Alert]:
        """Every agent alert that should stand now, and the SL alerts of `panels`."""
        s = self.settings
        out: dict[str, Alert] = {}

        def add(kind: AlertKind, since: datetime, value: float, limits: tuple[float, float] | None,
                agent: str | None = None, queue: str | None = None, level: AlertLevel | None = None,
                detail: str = "") -> None:
            if level is None:
                assert limits is not None
                if value < limits[0]:
                    return
                level = AlertLevel.ALERT if value >= limits[1] else AlertLevel.WARNING
            key = f"{kind.value}:{agent or queue}"
            out[key] = Alert(key=key, kind=kind, level=level, since=since, agent=agent, queue=queue,
                             value=value, detail=detail)

        # Only the rows that can raise an alert, and only the columns judged: at 1,000 agents loading
        # every row as an ORM object on each publish was most of the wallboard's cost.
        candidates = select(
            AgentStateRow.username, AgentStateRow.state, AgentStateRow.reason, AgentStateRow.since,
            AgentStateRow.call_started, AgentStateRow.hold_since, AgentStateRow.hand_raised_at,
        ).where(
            AgentStateRow.state.in_((AgentStateName.ON_CALL.value, AgentStateName.ACW.value))
            | (AgentStateRow.reason == PHONE_OFFLINE) | AgentStateRow.hand_raised_at.is_not(None)
        )
        for row in session.execute(candidates):
            if row.state == AgentStateName.ON_CALL.value:
                started = row.call_started or row.since
                add(AlertKind.LONG_CALL, started, (now - started).total_seconds(), s.long_call_s,
                    agent=row.username)
                if row.hold_since is not None:
                    add(AlertKind.LONG_HOLD, row.hold_since, (now - row.hold_since).total_seconds(),
                        s.long_hold_s, agent=row.username)
            elif row.state == AgentStateName.ACW.value:
                add(AlertKind.LONG_ACW, row.since, (now - row.since).total_seconds(), s.long_acw_s,
                    agent=row.username)
            if row.state != AgentStateName.LOGGED_OUT.value and row.reason == PHONE_OFFLINE:
                add(AlertKind.PHONE_OFFLINE, row.since, (now - row.since).total_seconds(), None,
                    agent=row.username, level=AlertLevel.ALERT)
            if row.hand_raised_at is not None and row.state != AgentStateName.LOGGED_OUT.value:
                add(AlertKind.RAISED_HAND, row.hand_raised_at, (now - row.hand_raised_at).total_seconds(),
                    None, agent=row.username, level=AlertLevel.WARNING)
        for panel in panels:
            sl = panel.half_hour.service_level
            if sl is not None and sl < s.sl_target:
                level = AlertLevel.ALERT if sl < s.sl_alert else AlertLevel.WARNING
                add(AlertKind.SL_BREACH, self.windows(now).half_hour, sl, None, queue=panel.queue,
                    level=level,
                    detail=f"{sl:.0%} < {s.sl_target:.0%} within {panel.half_hour.sl_threshold_s} s")
        return out

    def sync_alerts(
        self, session: Session, now: datetime, panels: list[QueuePanel], all_queues: bool,
        wanted: dict[str, Alert] | None = None,
    ) -> list[Alert]:
        """Store the alerts that should stand; answer those raised, changed in level, or cleared.

        Agent alerts are judged every time; SL alerts only for `panels` (all of them: `all_queues`).
        `wanted` is `wanted_alerts()` judged beforehand (in a read transaction), if it was.
        The key is the primary key, so two workers judging at once raise and clear each alert once.
        """
        if wanted is None:
            wanted = self.wanted_alerts(session, now, panels)
        in_scope = {p.queue for p in panels}
        stored = {row.key: row for row in session.execute(select(AlertRow)).scalars()}
        changes: list[Alert] = []
        for key, alert in wanted.items():
            row = stored.get(key)
            if row is None:
                try:
                    with session.begin_nested():
                        session.add(AlertRow(key=key, kind=alert.kind.value, level=alert.level.value,
                                             since=alert.since, agent=alert.agent, queue=alert.queue,
                                             value=alert.value, detail=alert.detail))
                except IntegrityError:
                    continue  # another worker raised it first
                changes.append(alert)
            elif row.level != alert.level.value:
                row.level, row.value = alert.level.value, alert.value
                changes.append(alert)
        for key, row in stored.items():
            if key in wanted:
                continue
            if row.kind == AlertKind.SL_BREACH.value and not all_queues and row.queue not in in_scope:
                continue
            gone = session.execute(delete(AlertRow).where(AlertRow.key == key))
            if getattr(gone, "rowcount", 0) == 1:
                changes.append(_alert(row, now).model_copy(update={"cleared": True}))
        session.flush()
        return changes

    def alerts(self, session: Session, now: datetime) -> list[Alert]:
        """The stored alerts, with their values as of `now`, oldest first."""
        rows = session.execute(select(AlertRow).order_by(AlertRow.since)).scalars().all()
        return [_alert(row, now) for row in rows]

    # ---- snapshot -------------------------------------------------------------------------------

    def snapshot(self, session: Session, now: datetime) -> WallboardSnapshot:
        """Everything the wallboard paints, and the event id to resume the stream after."""
        last = session.execute(select(func.coalesce(func.max(EventRow.id), 0))).scalar_one()
        w = self.windows(now)
        return WallboardSnapshot(
            at=now, half_hour_start=w.half_hour, day_start=w.day, last_event_id=int(last),
            queues=self.queue_panels(session, now), agents=self.agent_rows(session, now),
            alerts=self.alerts(session, now),
        )


_ROW_USER = (UserRow.username, UserRow.display_name, UserRow.team, UserRow.extension, UserRow.created_at)
_ROW_STATE = (AgentStateRow.state, AgentStateRow.reason, AgentStateRow.since, AgentStateRow.call_id,
              AgentStateRow.call_number, AgentStateRow.customer_id, AgentStateRow.queue,
              AgentStateRow.call_started, AgentStateRow.hold_since, AgentStateRow.hand_raised_at)


def _talk(answered_at: datetime | None, ended_at: datetime | None, talk_s: float | None,
          hold_s: float | None) -> float:
    """Talk of a stored call by the contract's rule (hold excluded), whatever the desk summed.

    Desks before the rule was written sent answer → end (hold included) as talk; the times they sent
    give the talk of both kinds of desk alike. Without both times the posted talk is all there is.
    """
    if answered_at is None or ended_at is None:
        return max(talk_s or 0.0, 0.0)
    return talk_seconds(answered_at, ended_at, hold_s or 0.0)


def _transferred(record: object) -> bool:
    if not isinstance(record, dict):
        return False
    disposition, reason = record.get("disposition"), record.get("transfer_reason")
    return is_transferred(disposition if isinstance(disposition, str) else None,
                          reason if isinstance(reason, str) else None)


def _alert(row: AlertRow, now: datetime) -> Alert:
    value = row.value
    if row.kind != AlertKind.SL_BREACH.value:
        value = max((now - row.since).total_seconds(), 0.0)
    return Alert(key=row.key, kind=AlertKind(row.kind), level=AlertLevel(row.level), since=row.since,
                 agent=row.agent, queue=row.queue, value=value, detail=row.detail)
