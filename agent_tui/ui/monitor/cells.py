"""What each wallboard cell shows: plain text and a level, turned into styled `Text` by a palette.

Levels are told by colour (theme variables) and also by marks and text style, so they read in the
monochrome theme: standard (warning) gets ` !` and bold, alert gets ` !!` and reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.supervision import AgentRow, QueueFigures, QueuePanel
from agent_tui.i18n import Translator
from agent_tui.ui.common.text import clean, duration, fit
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

REASON_LABELS = {
    "break": "Break", "meal": "Meal", "meeting": "Meeting", "training": "Training",
    "coaching": "Coaching", "phone_offline": "Phone offline", "other": "Other",
}


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


@dataclass(frozen=True)
class Palette:
    """Rich styles for each style key, from the theme's variables."""

    styles: Mapping[str, str]

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
        value, key = cell
        mark = " !!" if key == "alert" else " !" if key == "warning" else ""
        if value and mark:
            value = value + mark
        # One cell of each column is left blank: the gap between columns (the table has no padding).
        return Text(fit(value, width - 1).rstrip() if value else "", style=self.styles.get(key, ""))
