"""What the desk model asks of the world: each effect is a plain value the UI (or a bot) carries out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agent_tui.domain.agent import AgentStateChange
from agent_tui.domain.call import CallRecord

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True)
class SendState:
    """Write this agent state change through the outbox."""

    change: AgentStateChange


@dataclass(frozen=True)
class RecordCall:
    """Write this call record through the outbox. `final` is the record after wrap-up (or of a call
    that needs none): exactly one per call; the one at hang-up (not final) lets the backend count the
    call at once, and the final one updates it (records are upserted by call id)."""

    record: CallRecord
    final: bool


PhoneCommandName = Literal["answer", "hangup", "reject", "hold", "resume", "mute"]


@dataclass(frozen=True)
class PhoneCommand:
    """Send this command to the phone for `call_id` (`arg`: the mute flag)."""

    command: PhoneCommandName
    call_id: str
    arg: bool | None = None


@dataclass(frozen=True)
class StartLookup:
    """Start the screen-pop lookup of `call_id` (the model is told the answer by `LookupDone`)."""

    call_id: str


@dataclass(frozen=True)
class Notify:
    """Tell the agent: `text` is an English message key for the translator, `params` its values."""

    text: str
    params: dict[str, str] = field(default_factory=dict)
    severity: Severity = "information"
    timeout: float = 5.0


@dataclass(frozen=True)
class OpenWrapup:
    """Show the wrap-up panel of `call_id` (after-call work began and the mode asks for it)."""

    call_id: str


@dataclass(frozen=True)
class CloseWrapup:
    """The wrap-up of `call_id` is saved (by the agent or because the time ran out): close its panel."""

    call_id: str


@dataclass(frozen=True)
class RaiseRinging:
    """A call rings: nothing may hide it (a wrap-up panel closes, its values kept in the model)."""

    call_id: str


Effect = (SendState | RecordCall | PhoneCommand | StartLookup | Notify | OpenWrapup | CloseWrapup
          | RaiseRinging)
"""Every effect the desk model emits."""
