"""The wallboard: queues, agents and alerts, live; interventions on the selected agent.

Live data arrives through the feed into the `WallboardModel` at any rate; a `Changed` message asks
for a repaint (a newer one replaces a queued one, as Toolong does), and repaints happen at most
`max_paints_per_s` times a second, each taking only the rows that changed since the last.

Keys (remappable by binding id):

| key | id | action |
|---|---|---|
| f2 | monitor.listen | listen to the selected agent's call (监听) |
| f3 | monitor.whisper | whisper to the agent (耳语) |
| f4 | monitor.barge | barge in (强插) |
| f5 | monitor.stop | end the monitoring call |
| f6 | monitor.force_ready | force Ready (强制示闲) |
| f7 | monitor.force_not_ready | force Not Ready with a reason (强制示忙) |
| f8 | monitor.release | force release the agent's call (强拆) |
| f9 | monitor.transfer | force transfer the agent's call (强转) |
| f10 | monitor.pickup | pick up the agent's ringing call (代接) |
| ctrl+e | monitor.coach | send a coaching note |
| ctrl+f | monitor.filter | filter by team, queue, state |
| ctrl+o | monitor.sort | next sort order |
| ctrl+w | monitor.window | today / this half hour |
| ctrl+r | monitor.recordings | recordings and QA |
| ctrl+t | monitor.reports | reports and CSV export |
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static

from agent_tui.domain.events import Event
from agent_tui.domain.supervision import AgentRow, InterventionKind, WallboardSnapshot
from agent_tui.i18n import Translator
from agent_tui.ui.common.bindings import localize_bindings
from agent_tui.ui.common.text import clean
from agent_tui.ui.monitor import cells
from agent_tui.ui.monitor.agents_table import AgentsTable
from agent_tui.ui.monitor.gc_freeze import freeze_after_snapshot
from agent_tui.ui.monitor.interventions import Interventions
from agent_tui.ui.monitor.link_label import stale_label
from agent_tui.ui.monitor.model import SORT_ORDER, AgentFilter, WallboardModel, floor_figures
from agent_tui.ui.monitor.options import MonitorOptions
from agent_tui.ui.monitor.prompts import FilterScreen
from agent_tui.ui.monitor.tables import QueuesTable
from agent_tui.ui.monitor.wallboard_commands import WallboardCommands

log = logging.getLogger(__name__)

SORT_LABELS = {"name": "name", "state": "state", "time": "time in state", "team": "team"}


class Changed(Message):
    """The model has something new to paint; a queued one makes a newer one redundant."""

    def can_replace(self, message: Message) -> bool:
        """Any queued `Changed` is covered by this one."""
        return isinstance(message, Changed)


class LinkChanged(Message):
    """The feed's link changed: live (`stale_since` None) or stale since then."""

    def __init__(self, stale_since: datetime | None, detail: str) -> None:
        super().__init__()
        self.stale_since = stale_since
        self.detail = detail

    def can_replace(self, message: Message) -> bool:
        """Only the latest link state matters."""
        return isinstance(message, LinkChanged)


class BoardSink:
    """The feed's sink: fills the model, then asks the screen for a repaint (same loop, no thread)."""

    def __init__(self, screen: WallboardScreen) -> None:
        self.screen = screen

    def snapshot(self, snapshot: WallboardSnapshot) -> None:
        """A whole wallboard."""
        self.screen.model.apply_snapshot(snapshot)
        freeze_after_snapshot(real_terminal=not self.screen.app.is_headless)
        self.screen.changed()

    def event(self, event: Event) -> None:
        """One live event."""
        if self.screen.model.apply_event(event):
            self.screen.changed()

    def link(self, stale_since: datetime | None, detail: str) -> None:
        """Live or stale."""
        self.screen.post_message(LinkChanged(stale_since, detail))


class WallboardScreen(WallboardCommands, Screen[None]):
    """The supervisor's floor view."""

    DEFAULT_CSS = """
    WallboardScreen { layout: vertical; }
    WallboardScreen #board-top { height: 1; }
    WallboardScreen #title { width: 1fr; height: 1; text-style: bold; }
    WallboardScreen #link { width: auto; height: 1; padding: 0 1; }
    WallboardScreen #link.stale { background: $error; color: $background; text-style: bold reverse; }
    WallboardScreen #queues { height: auto; max-height: 7; }
    WallboardScreen #floor { height: 1; }
    WallboardScreen #agents { height: 1fr; min-height: 5; }
    WallboardScreen #alerts { height: auto; max-height: 5; border-top: solid $primary; }
    WallboardScreen #monitoring { height: auto; }
    WallboardScreen #monitoring.active { background: $boost; text-style: bold; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "monitor('listen')", "Listen", id="monitor.listen"),
        Binding("f3", "monitor('whisper')", "Whisper", id="monitor.whisper"),
        Binding("f4", "monitor('barge')", "Barge", id="monitor.barge"),
        Binding("f5", "stop_monitoring", "End listening", id="monitor.stop"),
        Binding("f6", "force_ready", "Force Ready", show=False, id="monitor.force_ready"),
        Binding("f7", "force_not_ready", "Force Not Ready", show=False, id="monitor.force_not_ready"),
        Binding("f8", "release", "Force release", show=False, id="monitor.release"),
        Binding("f9", "transfer", "Force transfer", show=False, id="monitor.transfer"),
        Binding("f10", "pickup", "Pick up", show=False, id="monitor.pickup"),
        Binding("ctrl+e", "coach", "Coaching note", show=False, id="monitor.coach"),
        Binding("ctrl+f", "filter", "Filter", id="monitor.filter"),
        Binding("ctrl+o", "sort", "Sort", id="monitor.sort"),
        Binding("ctrl+w", "window", "Today / half hour", show=False, id="monitor.window"),
        Binding("ctrl+r", "recordings", "Recordings", show=False, id="monitor.recordings"),
        Binding("ctrl+t", "reports", "Reports", show=False, id="monitor.reports"),
    ]

    def __init__(self, options: MonitorOptions, translator: Translator, interventions: Interventions, *,
                 single_keys: bool = True, username: str = "") -> None:
        super().__init__(id="wallboard")
        self.options = options
        self.translator = translator
        self.interventions = interventions
        self.username = username
        self.model = WallboardModel()
        self.maker = cells.CellMaker(translator, options.thresholds)
        t = translator.t
        self.agents = AgentsTable(self.maker, [t(h) for _k, h, _w in cells.AGENT_COLUMNS])
        self.queues = QueuesTable(self.maker, [t(h) for _k, h, _w in cells.QUEUE_COLUMNS])
        self.filter = AgentFilter()
        self.stale_since: datetime | None = None
        self.paints = 0
        """Repaints done (tests count them)."""
        self.paint_times: deque[float] = deque(maxlen=1000)
        """`time.monotonic()` of each repaint."""
        self.latencies_ms: deque[float] = deque(maxlen=100_000)
        """Change arrived → painted on the terminal, per change (event)."""
        self._last_paint = 0.0
        self._paint_timer: Timer | None = None
        self._change_posted = False
        self._alerts_key: tuple[Any, ...] = ()
        self._floor = ""
        self._alert_lines = 0
        self.alert_entries: list[cells.BoardAlert] = []
        """What the alert list shows now (tests compare it with the queues table)."""
        localize_bindings(self, translator, single_keys=single_keys)

    # ---- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="board-top"):
            yield Static("", id="title", markup=False)
            yield Static("", id="link", markup=False)
        yield self.queues
        yield Static("", id="floor", markup=False)
        yield self.agents
        yield Static("", id="alerts", markup=False)
        yield Static("", id="monitoring", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Styles from the theme; the clock tick; the title."""
        self._restyle()
        self.set_interval(1.0, self._tick)
        self._show_title()
        self._show_link()
        self._show_monitoring()
        self.agents.focus()

    def _restyle(self) -> None:
        palette = cells.Palette.from_variables(self.app.theme_variables)
        if palette != self.queues.palette:  # the same theme keeps the palettes' made cells
            self.agents.palette = palette
            self.queues.palette = palette

    def on_screen_resume(self) -> None:
        """The theme may have changed while a pop-up was up."""
        self._restyle()

    def _show_title(self) -> None:
        t = self.translator.t
        parts = [t("Wallboard"), clean(self.username, 32)]
        f = self.filter
        if f.active:
            shown = [clean(v, 20) for v in (f.team, f.queue) if v]
            if f.state is not None:
                shown.append(t(f.state.value.replace("_", " ").capitalize()))
            parts.append(t("filter: {what}", what=", ".join(shown)))
        parts.append(t("sort: {key}", key=t(SORT_LABELS[self.agents.sort_key.value])))
        parts.append(t("today") if self.queues.today else t("this half hour"))
        self.query_one("#title", Static).update(" · ".join(parts), layout=False)  # one line, 1fr wide

    def _show_link(self) -> None:
        link = self.query_one("#link", Static)
        if self.stale_since is None:
            link.update(self.translator.t("live") if self.model.loaded else self.translator.t("connecting…"))
            link.remove_class("stale")
        else:
            link.update(stale_label(self.stale_since, self.translator.t))
            link.add_class("stale")

    def _show_monitoring(self) -> None:
        widget = self.query_one("#monitoring", Static)
        current = self.interventions.current
        if current is None:
            widget.update("")
            widget.remove_class("active")
            return
        t = self.translator.t
        labels = {"listen": t("Listening to {agent}"), "whisper": t("Whispering to {agent}"),
                  "barge": t("Barged in on {agent}")}
        text = labels[current.mode.value].format(agent=clean(current.agent, 40))
        widget.update(f"{text} · {t('f2/f3/f4 switch mode, f5 ends')}")
        widget.add_class("active")

    # ---- painting ---------------------------------------------------------------------------

    def changed(self) -> None:
        """The model has something new: one `Changed` message in flight at a time (at 1,000 events a
        second, a message per event cost more than the model's work; the paint takes them all)."""
        if not self._change_posted:
            self._change_posted = True
            self.post_message(Changed())

    def on_changed(self, _message: Changed) -> None:
        """Paint now, or at the end of the current paint interval."""
        self._change_posted = False
        self._schedule_paint()

    def _schedule_paint(self) -> None:
        if self._paint_timer is not None:
            return
        wait = self._last_paint + 1.0 / self.options.max_paints_per_s - time.monotonic()
        if wait <= 0:
            self.paint()
        else:
            self._paint_timer = self.set_timer(wait, self._timed_paint)

    def _timed_paint(self) -> None:
        self._paint_timer = None
        self.paint()

    def paint(self) -> None:
        """Repaint what changed since the last paint."""
        changes = self.model.take_changes()
        if changes.empty:
            return
        now = self.model.now()
        self._last_paint = time.monotonic()
        self.paints += 1
        self.paint_times.append(self._last_paint)
        model = self.model
        rows = 0
        if changes.full:
            self.agents.filter = self.queues.filter = self.filter
            self.agents.rebuild(model.agents.values(), now)
            self.queues.show(model.queues.values(), now, full=True)
            rows = len(model.agents)
        else:
            if changes.agents:
                rows += self.agents.apply(changes.agents, model.agents, now)
            if changes.queues:
                self.queues.show([model.queues[q] for q in changes.queues if q in model.queues], now)
        if changes.full or changes.queues or changes.alerts:
            self._show_alerts(now, floor=changes.full)  # agents' figures reach the floor line on the tick
        if changes.full:
            self._show_link()
        if changes.arrivals:
            self.call_after_refresh(self._painted, changes.arrivals, rows)

    def _painted(self, arrivals: list[float], rows: int) -> None:
        done = time.monotonic()
        latencies = [(done - at) * 1000 for at in arrivals]
        self.latencies_ms.extend(latencies)
        if log.isEnabledFor(logging.INFO):
            log.info("wallboard paint: %d rows, %d events, oldest %.1f ms; event ms: %s", rows,
                     len(latencies), latencies[0], ",".join(f"{ms:.0f}" for ms in latencies))

    def _tick(self) -> None:
        if not self.model.loaded:
            return
        now = self.model.now()
        self.agents.tick(now)
        self.queues.show(self.model.queues.values(), now)
        self._show_alerts(now)

    def _show_alerts(self, now: datetime, *, floor: bool = True) -> None:
        """The alert list and the floor line, from the same cells and window as the queues table.

        The floor line sums every agent's row (5,000 of them on a big floor), so it is recomputed once a
        second (the tick) and after a snapshot or a change of window, not at every repaint.
        """
        model, today = self.model, self.queues.today
        entries = self.maker.board_alerts(model.alerts.values(), model.queues.values(), today=today, now=now)
        if floor or not self._floor:
            self._floor = cells.floor_line(
                self.translator, floor_figures(model.agents.values(), model.queues.values(), today=today))
        floor_text = self._floor
        key = (tuple(entries[:4]), len(entries), floor_text)  # repainted only when what it shows changed
        if key == self._alerts_key:
            return
        self._alerts_key = key
        self.alert_entries = entries
        text = self.maker.alert_text(entries)
        # A layout pass costs tens of ms at 5,000 agents: only when the alert list's height changes (the
        # floor line is one line, 1fr wide, whatever it says).
        lines = len(text.plain.splitlines())
        self.query_one("#alerts", Static).update(text, layout=lines != self._alert_lines)
        self._alert_lines = lines
        self.query_one("#floor", Static).update(floor_text, layout=False)

    def on_link_changed(self, message: LinkChanged) -> None:
        """Show the stale banner, or take it down."""
        if message.stale_since is not None and self.stale_since is None:
            log.warning("wallboard stale: %s", message.detail)
        self.stale_since = message.stale_since
        self._show_link()

    # ---- the selected agent ------------------------------------------------------------------

    def selected(self) -> AgentRow | None:
        """The agent under the cursor."""
        key = self.agents.current_key()
        return self.model.agents.get(key) if key is not None else None

    def on_agents_table_header_selected(self, event: AgentsTable.HeaderSelected) -> None:
        """A click on a heading of the agents table sorts by it where that makes sense."""
        by_column = {"agent": "name", "state": "state", "time": "time", "team": "team"}
        name = by_column.get(event.column_key)
        if name is not None:
            self._set_sort(next(k for k in SORT_ORDER if k.value == name))

    def _run(self, work: Callable[[], Awaitable[Any]], what: str) -> None:
        spawn = getattr(self.app, "spawn", None)
        if spawn is not None:
            spawn(self, work, what)

    def _need_agent(self) -> AgentRow | None:
        row = self.selected()
        if row is None:
            self.app.notify(self.translator.t("Select an agent first."), severity="warning")
        return row

    # ---- actions ----------------------------------------------------------------------------

    def action_monitor(self, mode: str) -> None:
        """Listen, whisper or barge on the selected agent (switching mode if already monitoring)."""
        row = self._need_agent()
        if row is None:
            return
        # Asked now, awaited in the worker: an F5 pressed in the same burst comes after it and wins.
        pending = self.interventions.monitor(row.username, InterventionKind(mode), row)

        async def work() -> None:
            await pending
            self._show_monitoring()

        self._run(work, "monitoring an agent")

    def action_stop_monitoring(self) -> None:
        """End the monitoring call."""
        self.interventions.stop()
        self._show_monitoring()

    def monitoring_ended(self, call_id: str) -> None:
        """The phone ended a call (the App tells us)."""
        ended = self.interventions.ended(call_id)
        if ended is not None:
            self._show_monitoring()
            self.app.notify(self.translator.t(
                "Monitoring of {agent} ended: their call ended (or their phone hung up). Listen again on "
                "their next call.", agent=clean(ended.agent, 40)))

    def monitor_mode_answered(self, call_id: str, mode: str, ok: bool) -> None:
        """The agent's phone answered a mode change (the App tells us); a refusal is said."""
        if self.interventions.mode_answered(call_id, mode, ok):
            self.app.notify(self.translator.t("The agent's phone refused the mode change."),
                            severity="warning")
        self._show_monitoring()

    def action_filter(self) -> None:
        """Choose team, queue and state."""

        def chosen(result: AgentFilter | None) -> None:
            if result is not None:
                self.set_filter(result)

        self.app.push_screen(FilterScreen(self.filter, self.model.teams(), self.model.queue_names()), chosen)

    def set_filter(self, value: AgentFilter) -> None:
        """Show only what passes `value`."""
        self.filter = value
        self.agents.filter = self.queues.filter = value
        now = self.model.now()
        self.agents.rebuild(self.model.agents.values(), now)
        self.queues.show(self.model.queues.values(), now, full=True)
        self._show_title()

    def action_sort(self) -> None:
        """The next sort order."""
        keys = list(SORT_ORDER)
        self._set_sort(keys[(keys.index(self.agents.sort_key) + 1) % len(keys)])

    def _set_sort(self, key: Any) -> None:
        self.agents.sort_key = key
        self.agents.reorder()
        self._show_title()

    def action_window(self) -> None:
        """Queue figures of today, or of the current half hour."""
        self.queues.today = not self.queues.today
        self.queues.show(self.model.queues.values(), self.model.now(), full=True)
        self._show_alerts(self.model.now())
        self._show_title()

    def action_recordings(self) -> None:
        """Recordings and QA."""
        opener = getattr(self.app, "open_recordings", None)
        if opener is not None:
            opener()

    def action_reports(self) -> None:
        """Reports and CSV export."""
        opener = getattr(self.app, "open_reports", None)
        if opener is not None:
            opener()
