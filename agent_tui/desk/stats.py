"""The agent's state as shown, and today's personal figures (calls, AHT, FCR)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agent_tui.domain.agent import AgentStateName


def handle_time_s(talk_s: float, hold_s: float, acw_s: float) -> float:
    """Handling time of one call: talk + hold + ACW (talk already excludes hold, see DOMAIN.md).

    The one place the desk adds these up (the lead may replace it by the domain's function)."""
    return max(talk_s, 0.0) + max(hold_s, 0.0) + max(acw_s, 0.0)


@dataclass
class AgentStatus:
    """The agent's state as the status bar shows it, with when it began (monotonic seconds)."""

    state: AgentStateName = AgentStateName.NOT_READY
    reason: str | None = None
    since: float = field(default_factory=time.monotonic)

    def elapsed(self, now: float | None = None) -> float:
        """Seconds in this state."""
        return (now if now is not None else time.monotonic()) - self.since


@dataclass
class DeskStats:
    """Today's figures for this agent: calls handled, average handling time, first-call resolution.

    Seeded from the backend's snapshot at login (`seed`), so a restart mid-shift keeps the day's figures;
    then counted on as calls are wrapped up."""

    calls: int = 0
    handle_s: float = 0.0
    resolved: int = 0
    judged: int = 0

    def seed(self, *, calls: int, handle_s: float, resolved: int = 0, judged: int = 0) -> None:
        """Start from the day's figures the backend already has (replacing the local count)."""
        self.calls = max(calls, 0)
        self.handle_s = max(handle_s, 0.0)
        self.resolved = max(resolved, 0)
        self.judged = max(judged, self.resolved)

    def add(self, talk_s: float, hold_s: float, acw_s: float, resolved: bool | None) -> None:
        """Count one finished call."""
        self.calls += 1
        self.handle_s += handle_time_s(talk_s, hold_s, acw_s)
        if resolved is not None:
            self.judged += 1
            self.resolved += int(resolved)

    @property
    def aht_s(self) -> float | None:
        """Average handling time, or None before the first call."""
        return self.handle_s / self.calls if self.calls else None

    @property
    def fcr(self) -> float | None:
        """Share of judged calls resolved at first contact."""
        return self.resolved / self.judged if self.judged else None
