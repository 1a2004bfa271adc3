"""The agent's state as shown (today's figures are `agent_tui.domain.figures.HandlingSums`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agent_tui.domain.agent import AgentStateName


@dataclass
class AgentStatus:
    """The agent's state as the status bar shows it, with when it began (monotonic seconds)."""

    state: AgentStateName = AgentStateName.NOT_READY
    reason: str | None = None
    since: float = field(default_factory=time.monotonic)

    def elapsed(self, now: float | None = None) -> float:
        """Seconds in this state."""
        return (now if now is not None else time.monotonic()) - self.since
