"""`GhostAgent`: an agent's desk run by a program instead of a person, on the desk's own model.

The ghost drives `agent_tui.desk.model.DeskModel`, as the desk screen does: phone events, the backend's
live stream and clock ticks go in, and the effects that come out are carried out here (state changes
and call records through `GhostWrites`, JSON lines on the ghost's output). So every rule (the call
fields of a state change, after-call work and its call records, Not Ready `phone_offline` while the
phone is down, a missed call, a state forced during a call taken after it) is the desk's, written once.
Supervisor commands go through `agent_tui.desk.supervised` and `decide`, as on a desk, and each is
acknowledged with its outcome.

What is the ghost's own is only what a person at a desk would do: it says Ready once its phone is up,
and it saves each wrap-up as it stands when the time-boxed after-call work runs out. Everything is
called on one thread (the ghost's event loop).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from agent_tui.desk.clock import DeskClock
from agent_tui.desk.effects import Effect, Notify, RecordCall, SendState
from agent_tui.desk.events import cleaned_incoming
from agent_tui.desk.model import DeskModel
from agent_tui.desk.rules import DeskRules
from agent_tui.desk.supervised import by_backend_id, force, situation
from agent_tui.desk.supervisor import (
    PickupCall,
    SetState,
    SetStateAfterCall,
    ShowNote,
    Situation,
    decide,
    parse_command,
)
from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.call import CallRecord
from agent_tui.domain.events import Event
from agent_tui.domain.supervision import CommandAck
from agent_tui.ghost.commands import CallCommandTracker, CallOps, case_headers
from agent_tui.phone.events import (
    CallEnded,
    EngineStarted,
    EngineStopped,
    Health,
    IncomingCall,
    MonitorStarted,
    Registration,
)

Emit = Callable[..., None]
"""`emit(event_name, **fields)`: one JSON line on the ghost's output."""


class GhostWrites(Protocol):
    """Backend writes, delivered in the order they were made."""

    def set_state(self, change: AgentStateChange) -> None:
        """`PUT /v1/agents/{me}/state`."""

    def record_call(self, record: CallRecord) -> None:
        """`POST /v1/calls`."""

    def ack(self, command_id: int, ack: CommandAck) -> None:
        """`POST /v1/commands/{id}/ack`."""


def ghost_rules(username: str, acw_s: float) -> DeskRules:
    """A ghost's desk settings: time-boxed after-call work of `acw_s` that saves the wrap-up as it stands
    and goes Ready; a missed call does not set Not Ready (nobody would press Ready again)."""
    return DeskRules(username=username, acw_mode="timeboxed", acw_seconds=acw_s, acw_expiry="save",
                     auto_ready_after_acw=True, missed_call_not_ready=False)


class GhostAgent:
    """The headless agent: phone events, live events and ticks into the desk model; its effects out."""

    def __init__(self, username: str, phone: CallOps, writes: GhostWrites, emit: Emit, *,
                 acw_s: float = 2.0, registrar: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.username = username
        self.registrar = registrar
        """False for a ghost taking calls without a registrar: the engine being up is being online."""
        self.writes = writes
        self.emit = emit
        self.model = DeskModel(ghost_rules(username, acw_s), DeskClock(monotonic=clock))
        """The desk's model: the ghost's calls, state and wrap-ups, by the desk's rules."""
        self.phone_ok: bool | None = None
        self.says_ready = True
        """The ghost's person says Ready once, when the phone is first up (a desk's agent presses it)."""
        self.monitors: dict[str, str] = {}
        """Supervisors' monitoring calls: call id → mode (not customer calls: the model never sees them)."""
        self.picked_up: dict[str, int] = {}
        """Ringing calls a supervisor is picking up (phone call id → command id): not ours to wrap up."""
        self.tracker = CallCommandTracker(phone, self._ack, clock=clock)

    @property
    def state(self) -> AgentStateName:
        """The agent state the model holds."""
        return self.model.status.state

    @property
    def reason(self) -> str | None:
        """Its Not Ready reason."""
        return self.model.status.reason

    # ---- effects -------------------------------------------------------------------------------

    def _carry(self, effects: list[Effect]) -> None:
        """Carry out what the model asked for. A ghost has no card, no panel and drives its phone by
        the bot's own arguments, so lookups, panels and phone commands have nothing to do here."""
        for effect in effects:
            if isinstance(effect, SendState):
                change = effect.change
                self.writes.set_state(change)
                self.emit("state", state=change.state.value, reason=change.reason, call_id=change.call_id,
                          on_hold=change.on_hold)
            elif isinstance(effect, RecordCall):
                self.writes.record_call(effect.record)
            elif isinstance(effect, Notify):
                self.emit("notice", text=effect.text, params=effect.params)

    def start(self) -> None:
        """After login: Not Ready until the phone is up."""
        self._carry(self.model.start("other"))

    def log_out(self) -> None:
        """The ghost stops: Logged Out."""
        self._carry(self.model.set_state(AgentStateName.LOGGED_OUT))

    # ---- phone events --------------------------------------------------------------------------

    def phone_event(self, event: object) -> None:
        """Apply one phone event."""
        self.tracker.on_event(event)
        if isinstance(event, EngineStarted):
            if self.phone_ok is None and not self.registrar:
                self._phone(True)
        elif isinstance(event, Registration):
            if event.state == "registered":
                self._phone(True)
            elif event.state in ("failed", "unregistered"):
                self._phone(False)
        elif isinstance(event, Health):
            # A registrar that does not answer means offline at once (a REGISTER takes 32 s to time
            # out); one that answers says nothing of our registration until we were registered once.
            if not event.ok or self.phone_ok is not None:
                self._phone(event.ok)
        elif isinstance(event, EngineStopped):
            self._phone(False)
        elif isinstance(event, MonitorStarted):
            self.monitors[event.call_id] = event.mode
            self.emit("monitored", call_id=event.call_id, mode=event.mode, supervisor=event.supervisor,
                      target=event.target_call_id)
        elif isinstance(event, CallEnded) and self.monitors.pop(event.call_id, None) is not None:
            self.emit("unmonitored", call_id=event.call_id)
        elif isinstance(event, CallEnded):
            picked_up = self.picked_up.pop(event.call_id, None) is not None
            self._carry(self.model.call_ended(event, picked_up=picked_up))
        elif isinstance(event, IncomingCall):
            self._carry(self.model.incoming(cleaned_incoming(event)))
            self._carry(self.model.pop_painted())  # no card to paint: the held state goes at once
        else:
            self._carry(self.model.apply(event))

    def _phone(self, ok: bool) -> None:
        if ok == self.phone_ok:
            return
        self.phone_ok = ok
        self._carry(self.model.phone_health(ok))
        if ok and self.says_ready:
            self.says_ready = False
            self._carry(self.model.set_ready())

    def tick(self) -> None:
        """Time-driven work: the end of after-call work, commands the phone did not finish."""
        self.tracker.tick()
        self._carry(self.model.tick())

    # ---- supervisor commands -------------------------------------------------------------------

    def _ack(self, command_id: int, ack: CommandAck) -> None:
        if not ack.ok:  # a pickup that failed leaves the answered call with the ghost: a call like any other
            self.picked_up = {c: i for c, i in self.picked_up.items() if i != command_id}
        self.writes.ack(command_id, ack)
        self.emit("ack", command_id=command_id, ok=ack.ok, reason=ack.reason, detail=ack.detail)

    def situation(self) -> Situation:
        """Where this agent stands, for `decide`."""
        return situation(self.model, phone_online=self.phone_ok, busy=self.tracker.busy_calls())

    def live_event(self, event: Event) -> None:
        """Apply one event of the backend's stream (only supervisor commands matter to a ghost)."""
        command = parse_command(event, self.username)
        if command is None:
            return
        self.emit("command", command_id=command.command_id, command=command.name, data=event.data.get("data"))
        decision = decide(command, self.situation())
        for intent in decision.intents:
            if isinstance(intent, SetState | SetStateAfterCall):
                self._carry(force(self.model, intent))
            elif isinstance(intent, ShowNote):
                self.emit("coach", text=intent.text)
            else:
                call = by_backend_id(self.model, intent.call_id)
                if call is None:  # decide named a call of the situation: cannot happen
                    continue
                if isinstance(intent, PickupCall):
                    self.picked_up[call.call_id] = command.command_id
                self.tracker.carry_out(command.command_id, replace(intent, call_id=call.call_id),
                                       case_headers(call.headers))
        if decision.ack is not None:
            self._ack(command.command_id, decision.ack)
