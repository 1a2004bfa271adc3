"""How the times of a call add up, and the figures built on them: one copy of each rule (DOMAIN.md).

talk = answered → ended minus hold; hold = time on hold; ACW = wrap-up time after the call.
AHT = (talk + hold + ACW) ÷ calls handled. A 12 s conversation with 4 s on hold is talk 8 s, hold 4 s,
and counts 12 s (plus its wrap-up) in AHT, never 16 s.

The desk, the backend's live figures and its reports all call these functions, so a figure means the
same on the agent's status bar, on the wallboard and in a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent_tui.domain.desk_supervision import AgentFigures

TRANSFERRED = "transferred"
"""The wrap-up disposition of a call the agent passed on."""


def talk_seconds(answered_at: datetime | None, ended_at: datetime | None, hold_s: float) -> float:
    """Talk time of a call: answered → ended minus the time on hold (0 before the answer)."""
    if answered_at is None or ended_at is None:
        return 0.0
    return max((ended_at - answered_at).total_seconds() - max(hold_s, 0.0), 0.0)


def handle_seconds(talk_s: float, hold_s: float, acw_s: float) -> float:
    """Handling time of one call (or of a sum of calls): talk + hold + ACW."""
    return talk_s + hold_s + acw_s


def ratio(part: float, whole: float) -> float | None:
    """`part ÷ whole`, or None when there is nothing to divide by."""
    return part / whole if whole > 0 else None


def aht_s(talk_s: float, hold_s: float, acw_s: float, calls: int) -> float | None:
    """Average handling time of `calls` calls whose talk, hold and ACW add up to these sums."""
    return ratio(handle_seconds(talk_s, hold_s, acw_s), calls)


def occupancy(busy_s: float, idle_s: float) -> float | None:
    """占线率: time on calls (talk + hold) ÷ (time on calls + time Ready and idle)."""
    return ratio(busy_s, busy_s + idle_s)


def utilisation(talk_s: float, logged_in_s: float) -> float | None:
    """工时利用率: talk time ÷ logged-in time (capped at 1: talk counted by answer time may overhang)."""
    value = ratio(talk_s, logged_in_s)
    return min(value, 1.0) if value is not None else None


def is_transferred(disposition: str | None, transfer_reason: str | None) -> bool:
    """A call the agent passed on: wrapped up as transferred, or with a transfer reason."""
    return disposition == TRANSFERRED or bool((transfer_reason or "").strip())


@dataclass
class HandlingSums:
    """Running sums of calls handled, from which every per-call average and rate is derived.

    The desk keeps one for today (seeded at login from `GET /v1/agents/{username}/figures`), the
    backend one per agent, team and queue and window; sums add up, averages are derived last.
    """

    calls: int = 0
    talk_s: float = 0.0
    hold_s: float = 0.0
    acw_s: float = 0.0
    resolved: int = 0
    """Calls flagged resolved at first contact."""
    judged: int = 0
    """Calls whose first-call-resolved flag was set either way."""
    transferred: int = 0

    @classmethod
    def from_figures(cls, figures: AgentFigures) -> HandlingSums:
        """The sums behind an agent's figures (a desk at login: `get_agent_figures(...).today`)."""
        return cls(calls=figures.calls_handled, talk_s=figures.talk_s, hold_s=figures.hold_s,
                   acw_s=figures.acw_s, resolved=figures.resolved, judged=figures.judged,
                   transferred=figures.transferred)

    def add(self, talk_s: float, hold_s: float, acw_s: float, resolved: bool | None = None,
            transferred: bool = False) -> None:
        """Count one handled call (`talk_s` excludes hold: see `talk_seconds`)."""
        self.calls += 1
        self.talk_s += talk_s
        self.hold_s += hold_s
        self.acw_s += acw_s
        if resolved is not None:
            self.judged += 1
            self.resolved += int(resolved)
        self.transferred += int(transferred)

    def merge(self, other: HandlingSums) -> None:
        """Add another set of sums to these."""
        self.calls += other.calls
        self.talk_s += other.talk_s
        self.hold_s += other.hold_s
        self.acw_s += other.acw_s
        self.resolved += other.resolved
        self.judged += other.judged
        self.transferred += other.transferred

    @property
    def handle_s(self) -> float:
        """Talk + hold + ACW of every call."""
        return handle_seconds(self.talk_s, self.hold_s, self.acw_s)

    @property
    def aht_s(self) -> float | None:
        """Average handling time, or None before the first call."""
        return aht_s(self.talk_s, self.hold_s, self.acw_s, self.calls)

    @property
    def avg_hold_s(self) -> float | None:
        """Average time on hold per call handled."""
        return ratio(self.hold_s, self.calls)

    @property
    def avg_acw_s(self) -> float | None:
        """Average wrap-up time per call handled."""
        return ratio(self.acw_s, self.calls)

    @property
    def fcr(self) -> float | None:
        """Share of judged calls resolved at first contact."""
        return ratio(self.resolved, self.judged)

    @property
    def transfer_rate(self) -> float | None:
        """Transferred ÷ handled."""
        return ratio(self.transferred, self.calls)
