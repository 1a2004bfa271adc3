"""Moved: the call book lives in the headless desk model, `agent_tui.desk.calls` (kept as a name here
for the modules that still import it from ui/)."""

from __future__ import annotations

from agent_tui.desk.calls import CallPhase, CallSession, LookupState, PendingTicket
from agent_tui.desk.stats import AgentStatus, DeskStats

__all__ = ["AgentStatus", "CallPhase", "CallSession", "DeskStats", "LookupState", "PendingTicket"]
