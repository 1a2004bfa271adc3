"""The settings the desk model's rules read (built from `DeskSettings` by the desk's launcher)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AcwMode = Literal["optional", "mandatory", "timeboxed"]
AcwExpiry = Literal["save", "stay"]

PHONE_OFFLINE = "phone_offline"
"""The Not Ready reason the desk sets by itself while the phone is down (and undoes when it is back)."""
MISSED_CALL = "missed_call"
"""The Not Ready reason after a call rang out unanswered (`missed_call_not_ready`)."""
TRAINING = "training"
"""The Not Ready reason of training status (role-play calls go back to it, with no after-call work)."""


@dataclass(frozen=True)
class DeskRules:
    """How this desk's agent state and after-call work behave."""

    username: str = "agent"
    """The agent's backend user name (in state changes and call records)."""
    acw_mode: AcwMode = "optional"
    """`optional`: the agent may end after-call work; `mandatory`: only by saving the wrap-up;
    `timeboxed`: it ends by itself after `acw_seconds`."""
    acw_seconds: float = 60
    """Length of time-boxed after-call work."""
    acw_expiry: AcwExpiry = "save"
    """When time-boxed after-call work runs out: `save` what was typed with the call record and its ACW
    time, or `stay` in after-call work until the agent saves the wrap-up."""
    auto_ready_after_acw: bool = True
    """Ready when after-call work ends (else Not Ready), unless a Not Ready is waiting for it."""
    missed_call_not_ready: bool = True
    """A call that rang out unanswered while the agent was Ready sets Not Ready (`missed_call`)."""
