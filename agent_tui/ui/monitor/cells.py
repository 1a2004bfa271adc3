"""What each wallboard cell shows: plain text and a level, turned into styled `Text` by a palette.

Levels are told by colour (theme variables) and also by marks and text style, so they read in the
monochrome theme: standard (warning) gets ` !` and bold, alert gets ` !!` and reverse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.supervision import AgentRow, Alert, AlertKind, AlertLevel, QueueFigures, QueuePanel
from agent_tui.i18n import Translator
from agent_tui.ui.common.reason import REASON_LABELS
from agent_tui.ui.common.text import clean, duration, fit
from agent_tui.ui.monitor.model import FloorFigures
from agent_tui.ui.monitor.options import Level, Thresholds, level_of

Cell = tuple[str, str]
"""(text, style key): the style key is a level (`ok`, `warning`, `alert`) or an agent state."""

AGENT_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("agent", "Agent", 15),
    ("team", "Team", 7),
    ("state", "State", 11),
    ("reason", "Reason", 9),
    ("time", "Time", 7),
    ("call", "Call", 12),
    ("duration", "Talk", 7),
    ("customer", "Customer", 10),
)
"""(column key, heading, width) of the agents table."""

QUEUE_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("queue", "Queue", 15),
    ("waiting", "Wait", 6),
    ("longest", "Longest", 8),
    ("sl", "SL", 7),
    ("asa", "ASA", 7),
    ("abandon", "Aband.", 7),
    ("aht", "AHT", 8),
    ("agents", "Rdy/Busy", 9),
)
"""(column key, heading, width) of the queues table."""

STATE_LABELS = {
    "logged_out": "Logged out", "ready": "Ready", "not_ready": "Not ready", "ringing": "Ringing",
    "on_call": "On call", "acw": "Wrap-up",
}
"""Short state names for the wallboard."""

ALERT_LABELS = {
    "long_call": "Long call", "long_acw": "Long wrap-up", "long_hold": "Long hold",
    "sl_breach": "Service level", "phone_offline": "Phone offline", "raised_hand": "Raised hand",
    "queue": "Queue",
}
"""Alert kinds as the alert list names them (`queue`: a queue the queues table colours)."""


@dataclass(frozen=True)
class BoardAlert:
    """One entry of the wallboard's alert list, as shown (text already translated and cleaned)."""

    level: Level
    label: str
    who: str
    value: str = ""
    detail: str = ""
    since: datetime | None = None
    hand: bool = False


def _seconds(since: datetime | None, now: datetime) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _secs(value: float | None) -> str:
    return "-" if value is None else duration(value)


@dataclass(frozen=True)
class CellMaker:
    """Builds the cells of rows for one language and one set of thresholds."""

    translator: Translator
    thresholds: Thresholds

    def agent(self, row: AgentRow, now: datetime) -> tuple[Cell, ...]:
        """The agents-table cells of one row."""
        t = self.translator.t
        th = self.thresholds
        in_state = _seconds(row.since, now)
        state = row.state
        time_level = Level.OK
        if state == AgentStateName.ACW:
            time_level = level_of(in_state, th.acw_s)
        elif state == AgentStateName.NOT_READY:
            time_level = level_of(in_state, th.not_ready_s)
        hand = "✋" if row.raised_hand else ""
        name = f"{hand}{clean(row.username, 32)} {clean(row.display_name, 32)}"
        reason = ""
        if row.reason:
            known = REASON_LABELS.get(row.reason)
            reason = t(known) if known else clean(row.reason, 20)
        if not row.phone_online and state != AgentStateName.LOGGED_OUT:
            reason = reason or t("Phone offline")
        call = ""
        talk = ""
        talk_level = Level.OK
        if row.call_id is not None or row.call_number:
            call = clean(row.call_number or "", 20)
            if row.call_queue:
                call = f"{call} {clean(row.call_queue, 20)}".strip()
            call_s = _seconds(row.call_started, now)
            talk = duration(call_s)
            talk_level = level_of(call_s, th.call_s)
            if row.on_hold_since is not None:
                talk = f"{t('hold')} {talk}"
        customer = clean(row.customer_name or (str(row.customer_id) if row.customer_id else ""), 40)
        return (
            (name, "alert" if hand else "ok"),
            (clean(row.team or "", 20), "ok"),
            (t(STATE_LABELS.get(state.value, state.value)), f"state-{state.value}"),
            (reason, "ok"),
            (duration(in_state), time_level.name.lower()),
            (call, "ok"),
            (talk, talk_level.name.lower()),
            (customer, "ok"),
        )

    def queue(self, panel: QueuePanel, window: QueueFigures, now: datetime) -> tuple[Cell, ...]:
        """The queues-table cells of one queue over one window."""
        th = self.thresholds
        longest = panel.longest_wait_s
        if panel.oldest_waiting_since is not None and panel.waiting:
            longest = _seconds(panel.oldest_waiting_since, now)
        elif not panel.waiting:
            longest = 0.0
        lvl = level_of
        return (
            (clean(panel.queue, 40), "ok"),
            (str(panel.waiting), lvl(float(panel.waiting), th.waiting).name.lower()),
            (duration(longest), lvl(longest, th.longest_wait_s).name.lower()),
            (_percent(window.service_level),
             lvl(window.service_level, th.service_level, lower_is_worse=True).name.lower()),
            (_secs(window.asa_s), lvl(window.asa_s, th.asa_s).name.lower()),
            (_percent(window.abandon_rate), lvl(window.abandon_rate, th.abandon_rate).name.lower()),
            (_secs(window.aht_s), lvl(window.aht_s, th.aht_s).name.lower()),
            (f"{panel.agents_ready}/{panel.agents_busy}", "ok"),
        )

    def queue_alert(self, panel: QueuePanel, window: QueueFigures, now: datetime,
                    window_label: str) -> BoardAlert | None:
        """The queue as an alert entry when the queues table colours any of its cells, else None.

        Built from the very cells the table shows, so the alert list says what the table says.
        """
        t = self.translator.t
        marked = [(heading, text, Level[style.upper()])
                  for (_key, heading, _w), (text, style) in zip(QUEUE_COLUMNS, self.queue(panel, window, now),
                                                               strict=True)
                  if style in ("warning", "alert")]
        if not marked:
            return None
        value = "  ".join(f"{t(heading)} {text}{' !!' if level == Level.ALERT else ' !'}"
                          for heading, text, level in marked)
        return BoardAlert(level=max(level for _h, _t, level in marked), label=t(ALERT_LABELS["queue"]),
                          who=clean(panel.queue, 32), value=value, detail=window_label)

    def agent_alert(self, alert: Alert) -> BoardAlert:
        """A backend alert about an agent (its value is seconds) as an alert entry."""
        t = self.translator.t
        return BoardAlert(
            level=Level.ALERT if alert.level == AlertLevel.ALERT else Level.WARNING,
            label=t(ALERT_LABELS.get(alert.kind.value, alert.kind.value)),
            who=clean(alert.agent or alert.queue or "", 32),
            value=duration(alert.value) if alert.value is not None else "", detail=clean(alert.detail, 60),
            since=alert.since, hand=alert.kind == AlertKind.RAISED_HAND)

    def board_alerts(self, alerts: Iterable[Alert], panels: Iterable[QueuePanel], *, today: bool,
                     now: datetime) -> list[BoardAlert]:
        """The alert list, worst first: every queue the queues table colours, then agents' alerts.

        Queues are judged here from the table's own cells (same window, same thresholds); the
        backend's service-level alerts judge another window with other thresholds, so they are left
        out rather than contradict the table.
        """
        t = self.translator.t
        window_label = t("today") if today else t("this half hour")
        entries = [entry for panel in sorted(panels, key=lambda p: p.queue)
                   if (entry := self.queue_alert(panel, panel.today if today else panel.half_hour, now,
                                                 window_label)) is not None]
        entries += [self.agent_alert(a) for a in sorted(alerts, key=lambda a: (a.since, a.key))
                    if a.kind != AlertKind.SL_BREACH and not a.cleared]
        return sorted(entries, key=lambda e: -e.level)  # stable: queues by name, agents oldest first

    def alert_text(self, entries: list[BoardAlert], shown: int = 4) -> Text:
        """The alert list as styled text: the first `shown` entries and how many more there are."""
        t = self.translator.t
        text = Text()
        if not entries:
            text.append(t("No alerts"), style="dim")
        for index, entry in enumerate(entries[:shown]):
            if index:
                text.append("\n")
            alert = entry.level == Level.ALERT
            text.append("!! " if alert else "!  ", style="bold reverse" if alert else "bold")
            if entry.hand:
                text.append("✋ ")
            text.append(entry.label, style="bold")
            text.append(f"  {entry.who}")
            if entry.value:
                text.append(f"  {entry.value}")
            if entry.detail:
                text.append(f"  {entry.detail}", style="italic")
            if entry.since is not None:
                text.append(f"  {t('since')} {entry.since.astimezone().strftime('%H:%M:%S')}", style="dim")
        if len(entries) > shown:
            text.append("\n" + t("{count} more alerts", count=len(entries) - shown), style="dim")
        return text


def floor_line(translator: Translator, floor: FloorFigures) -> str:
    """The floor's figures in one line (fits 80 columns in English and Chinese)."""
    line = translator.t(
        "Occ. {occupancy} · Util. {utilisation} · Transfer {transfer} · Hold {hold} · Abandon wait {abandon}",
        occupancy=_percent(floor.occupancy), utilisation=_percent(floor.utilisation),
        transfer=_percent(floor.transfer_rate), hold=_secs(floor.avg_hold_s),
        abandon=_secs(floor.avg_abandon_s))
    if floor.satisfaction_avg is not None:  # only once callers scored: the line stays as it was before
        line += " · " + translator.t("Sat {score}", score=f"{floor.satisfaction_avg:.1f}")
    return line


@dataclass(frozen=True)
class Palette:
    """Rich styles for each style key, from the theme's variables.

    Cells repeat (a team, a state, an empty call): each (cell, width) is made into `Text` once and the
    same `Text` is shown wherever it appears (nothing renders by changing it), so 5,000 rows of 8 cells
    build a few thousand `Text`s rather than 40,000 at each snapshot.
    """

    styles: Mapping[str, str]
    _made: dict[tuple[Cell, int], Text] = field(default_factory=dict, compare=False, repr=False)
    _parts: dict[tuple[Cell, int], tuple[str, str]] = field(default_factory=dict, compare=False, repr=False)
    _styles: dict[str, Style] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> Palette:
        """Styles from the App's theme variables (`$warning`, `$sla-breach`, `$agent-ready`...)."""

        def colour(name: str, fallback: str) -> str:
            value = str(variables.get(name, fallback)).strip()
            return value if value.startswith("#") and len(value) in (4, 7) else fallback

        warning = colour("warning", "#ffa62b")
        alert = colour("sla-breach", "#ff5c6c")
        return cls({
            "ok": "",
            "warning": f"bold {warning}",
            "alert": f"bold reverse {alert}",
            "state-ready": colour("agent-ready", "#4ebf71"),
            "state-not_ready": colour("agent-not-ready", "#e05260"),
            "state-on_call": f"bold {colour('agent-on-call', '#3a8fd6')}",
            "state-ringing": f"bold underline {colour('call-ringing', '#d98e04')}",
            "state-acw": f"italic {colour('agent-acw', '#c9a227')}",
            "state-logged_out": "dim",
        })

    def text(self, cell: Cell, width: int) -> Text:
        """A cell as styled text, fitted to `width` cells, with the level's mark."""
        made = self._made.get((cell, width))
        if made is None:
            if len(self._made) >= 50_000:  # names and timers come and go: bounded, made again if needed
                self._made.clear()
            made = self._made[(cell, width)] = self._make(cell, width)
        return made

    def _make(self, cell: Cell, width: int) -> Text:
        return Text(self.parts(cell, width)[0], style=self.styles.get(cell[1], ""))

    def parts(self, cell: Cell, width: int) -> tuple[str, str]:
        """A cell as the text drawn in its style and the blank after it, together `width` cells wide
        (the agents table draws them as they are, with no Rich rendering)."""
        made = self._parts.get((cell, width))
        if made is None:
            if len(self._parts) >= 50_000:
                self._parts.clear()
            value, key = cell
            mark = " !!" if key == "alert" else " !" if key == "warning" else ""
            if value and mark:
                value = value + mark
            # One cell of each column is left blank: the gap between columns (the table has no padding).
            text = fit(value, width - 1).rstrip() if value else ""
            made = self._parts[(cell, width)] = (text, " " * (width - cell_len(text)))
        return made

    def style(self, key: str) -> Style:
        """The Rich style of a style key (parsed once)."""
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = Style.parse(self.styles.get(key, "") or "none")
        return style
