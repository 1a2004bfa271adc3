"""A desk model driven by hand: a manual clock, and every effect it emitted kept in order."""

from __future__ import annotations

from datetime import UTC, datetime

from agent_tui.desk.clock import ManualClock
from agent_tui.desk.effects import Effect, PhoneCommand, RecordCall, SendState
from agent_tui.desk.model import DeskModel
from agent_tui.desk.rules import DeskRules
from agent_tui.domain.agent import AgentStateName
from agent_tui.phone.events import CallEnded, CallState, IncomingCall


class Desk:
    """One model, its clock, and the effects so far."""

    def __init__(self, **rules: object) -> None:
        self.clock = ManualClock()
        self.model = DeskModel(DeskRules(username="agent1", **rules),  # type: ignore[arg-type]
                               self.clock.desk_clock())
        self.effects: list[Effect] = []
        self.run(self.model.start())

    def run(self, effects: list[Effect]) -> list[Effect]:
        """Keep `effects` and give them back."""
        self.effects.extend(effects)
        return effects

    def ring(self, call_id: str, number: str = "13900000001", **headers: str) -> list[Effect]:
        """A call rings at the desk (and its card is painted)."""
        event = IncomingCall(call_id=call_id, number=number, display="", headers=dict(headers),
                             remote_uri=f"sip:{number}@pbx", at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        out = self.run(self.model.apply(event))
        return out + self.run(self.model.pop_painted())

    def answer(self, call_id: str) -> list[Effect]:
        """The phone reports the call answered."""
        return self.run(self.model.apply(CallState(call_id=call_id, state="confirmed")))

    def end(self, call_id: str, reason: str = "BYE") -> list[Effect]:
        """The call ends (either side)."""
        return self.run(self.model.apply(CallEnded(call_id=call_id, reason=reason, code=200, duration_s=0)))

    def sent_states(self) -> list[tuple[AgentStateName, str | None]]:
        """The states written to the backend, in order."""
        return [(e.change.state, e.change.reason) for e in self.effects if isinstance(e, SendState)]

    def records(self, *, final: bool | None = None) -> list[RecordCall]:
        """Call records written (only the final ones, or only the provisional ones)."""
        return [e for e in self.effects if isinstance(e, RecordCall) and (final is None or e.final == final)]

    def commands(self) -> list[PhoneCommand]:
        """Phone commands sent."""
        return [e for e in self.effects if isinstance(e, PhoneCommand)]

    def current(self) -> tuple[AgentStateName, str | None]:
        """The local agent state."""
        return (self.model.status.state, self.model.status.reason)
