"""`GhostAgent`: what an agent's desk tells the backend, done by a program instead of a person.

It follows the phone's events and reports the agent's state with the call fields (ringing, on call,
on hold, after-call work), posts a call record when a call ends and again after wrap-up, goes Not
Ready `phone_offline` while the phone is down (and Ready again when it is back), and carries out the
supervisor's commands by the desk's own rules (`agent_tui.desk.supervisor.decide`), acknowledging each
with its outcome. A call the PBX names with `X-Call-Id` is reported under that id. Writes go through
`GhostWrites`, which delivers them in order; everything is called on one thread (the ghost's event
loop).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from agent_tui.desk.supervisor import (
    CALL_STATES,
    PHONE_OFFLINE,
    CallView,
    SetState,
    SetStateAfterCall,
    ShowNote,
    Situation,
    decide,
    parse_command,
)
from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.call import CallRecord, Direction
from agent_tui.domain.events import Event
from agent_tui.domain.supervision import CommandAck
from agent_tui.ghost.commands import CallCommandTracker, CallOps, case_headers
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    EngineStarted,
    EngineStopped,
    Health,
    IncomingCall,
    MonitorStarted,
    Registration,
)
from agent_tui.sync.text import clean_text

CALL_ID_HEADER = "X-Call-Id"
"""The PBX's own id of a call, when it sends one with the INVITE."""

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


@dataclass
class GhostCall:
    """One customer call of the ghost (monitoring calls are not kept here)."""

    call_id: str
    number: str
    headers: dict[str, str] = field(default_factory=dict)
    direction: Direction = Direction.INBOUND
    offered_at: datetime = field(default_factory=utc_now)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str = ""
    held_since: float | None = None
    hold_s: float = 0.0

    @property
    def backend_id(self) -> str:
        """The call's id towards the backend: the PBX's X-Call-Id when it sent one (so the call record
        and the PBX's queue events name the same call), else the phone's call id."""
        given = clean_text(self.headers.get(CALL_ID_HEADER, "")).strip()[:128]
        return given or self.call_id

    @property
    def queue(self) -> str | None:
        """X-Queue of the call."""
        return self.headers.get("X-Queue") or None

    @property
    def customer_id(self) -> int | None:
        """X-Customer-Id of the call, when it is a number."""
        raw = self.headers.get("X-Customer-Id", "").strip()
        return int(raw) if raw.isdigit() else None

    def record(self, agent: str, acw_s: float = 0.0) -> CallRecord:
        """The call record for the backend."""
        talk = 0.0
        if self.answered_at is not None:
            talk = max(((self.ended_at or utc_now()) - self.answered_at).total_seconds(), 0.0)
        return CallRecord(call_id=self.backend_id, direction=self.direction, number=self.number[:200],
                          agent=agent, customer_id=self.customer_id, queue=self.queue,
                          offered_at=self.offered_at, answered_at=self.answered_at, ended_at=self.ended_at,
                          talk_s=talk, hold_s=self.hold_s, acw_s=acw_s, end_reason=self.end_reason[:200])


class GhostAgent:
    """The headless agent: phone events and supervisor commands in, state, records and acks out."""

    def __init__(self, username: str, phone: CallOps, writes: GhostWrites, emit: Emit, *,
                 acw_s: float = 2.0, registrar: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.username = username
        self.registrar = registrar
        """False for a ghost taking calls without a registrar: the engine being up is being online."""
        self.phone = phone
        self.writes = writes
        self.emit = emit
        self.acw_s = acw_s
        self.clock = clock
        self.state = AgentStateName.NOT_READY
        self.reason: str | None = "other"
        self.phone_ok: bool | None = None
        self.calls: dict[str, GhostCall] = {}
        self.current: str | None = None
        """The call the agent's state is about (ringing, talking or wrapping up)."""
        self.monitors: dict[str, str] = {}
        """Supervisors' monitoring calls: call id → mode."""
        self.acw_until: float | None = None
        self.after_call: tuple[AgentStateName, str | None] | None = None
        """A state a supervisor forced during a call: taken when the call is wrapped up."""
        self.tracker = CallCommandTracker(phone, self._ack, clock=clock)

    # ---- state ---------------------------------------------------------------------------------

    def _call_fields(self, state: AgentStateName) -> dict[str, Any]:
        call = self.calls.get(self.current) if self.current else None
        if call is None or state not in (AgentStateName.RINGING, AgentStateName.ON_CALL, AgentStateName.ACW):
            return {}
        return {"call_id": call.backend_id, "call_number": call.number[:200] or None,
                "customer_id": call.customer_id, "queue": call.queue,
                "on_hold": state == AgentStateName.ON_CALL and call.held_since is not None}

    def set_state(self, state: AgentStateName, reason: str | None = None, *, force: bool = False) -> None:
        """Take a state and report it with the current call's fields."""
        reason = reason if state == AgentStateName.NOT_READY else None
        change = AgentStateChange(state=state, reason=reason, **self._call_fields(state))
        if not force and state == self.state and reason == self.reason:
            return
        self.state, self.reason = state, reason
        self.writes.set_state(change)
        self.emit("state", state=state.value, reason=reason, call_id=change.call_id, on_hold=change.on_hold)

    def _idle_state(self) -> tuple[AgentStateName, str | None]:
        """Where the agent goes when no call holds it: offline, a forced state, or Ready."""
        if self.phone_ok is False:
            return AgentStateName.NOT_READY, PHONE_OFFLINE
        if self.after_call is not None:
            forced, self.after_call = self.after_call, None
            return forced
        return AgentStateName.READY, None

    def _on_a_call(self) -> bool:
        return self.state in CALL_STATES

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
        elif isinstance(event, IncomingCall):
            self._incoming(event)
        elif isinstance(event, MonitorStarted):
            self.monitors[event.call_id] = event.mode
            self.emit("monitored", call_id=event.call_id, mode=event.mode, supervisor=event.supervisor,
                      target=event.target_call_id)
        elif isinstance(event, CallState):
            self._call_state(event)
        elif isinstance(event, CallEnded):
            self._ended(event)

    def _phone(self, ok: bool) -> None:
        if ok == self.phone_ok:
            return
        self.phone_ok = ok
        if self._on_a_call():
            return  # the state follows when the call is over
        if not ok:
            self.set_state(AgentStateName.NOT_READY, PHONE_OFFLINE)
        elif self.state == AgentStateName.NOT_READY and self.reason in (PHONE_OFFLINE, "other"):
            self.set_state(*self._idle_state())

    def _incoming(self, event: IncomingCall) -> None:
        call = GhostCall(event.call_id, clean_text(event.number)[:64], dict(event.headers),
                         offered_at=event.at)
        self.calls[call.call_id] = call
        if self.current is None or self.state not in (AgentStateName.RINGING, AgentStateName.ON_CALL):
            self.current = call.call_id
            self.acw_until = None
            self.set_state(AgentStateName.RINGING)

    def _call_state(self, event: CallState) -> None:
        call = self.calls.get(event.call_id)
        if call is None:
            if event.direction != "outbound":
                return
            call = GhostCall(event.call_id, "", direction=Direction.OUTBOUND)
            self.calls[call.call_id] = call
        if event.state == "confirmed":
            if call.answered_at is None:
                call.answered_at = utc_now()
            self.current = call.call_id
            self.acw_until = None
            self.set_state(AgentStateName.ON_CALL, force=True)
        elif event.state in ("held", "resumed") and call.answered_at is not None:
            if event.state == "held" and call.held_since is None:
                call.held_since = self.clock()
            elif event.state == "resumed" and call.held_since is not None:
                call.hold_s += self.clock() - call.held_since
                call.held_since = None
            if self.current == call.call_id:
                self.set_state(AgentStateName.ON_CALL, force=True)

    def _ended(self, event: CallEnded) -> None:
        if self.monitors.pop(event.call_id, None) is not None:
            self.emit("unmonitored", call_id=event.call_id)
            return
        call = self.calls.get(event.call_id)
        if call is None:
            return
        call.ended_at = utc_now()
        call.end_reason = clean_text(event.reason)[:200]
        if call.held_since is not None:
            call.hold_s += self.clock() - call.held_since
            call.held_since = None
        if call.answered_at is not None:
            self.writes.record_call(call.record(self.username))
        if self.current != call.call_id:
            self.calls.pop(call.call_id, None)
            return
        live = [c for c in self.calls.values() if c.ended_at is None]
        if call.answered_at is not None:
            self.set_state(AgentStateName.ACW, force=True)
            self.acw_until = self.clock() + self.acw_s
            return
        self.calls.pop(call.call_id, None)
        self._next_call(live)

    def tick(self) -> None:
        """Time-driven work: the end of after-call work, commands the phone did not finish."""
        self.tracker.tick()
        if self.acw_until is not None and self.clock() >= self.acw_until:
            self.acw_until = None
            call = self.calls.pop(self.current, None) if self.current else None
            self.current = None
            if call is not None:
                self.writes.record_call(call.record(self.username, acw_s=self.acw_s))
            self._next_call([c for c in self.calls.values() if c.ended_at is None])

    def _next_call(self, live: list[GhostCall]) -> None:
        """After a call: on to a call still up (or ringing), else to the idle state."""
        self.current = live[-1].call_id if live else None
        if live:
            state = AgentStateName.ON_CALL if live[-1].answered_at else AgentStateName.RINGING
            self.set_state(state, force=True)
        else:
            self.set_state(*self._idle_state(), force=True)

    # ---- supervisor commands -------------------------------------------------------------------

    def _ack(self, command_id: int, ack: CommandAck) -> None:
        self.writes.ack(command_id, ack)
        self.emit("ack", command_id=command_id, ok=ack.ok, reason=ack.reason, detail=ack.detail)

    def situation(self) -> Situation:
        """Where this agent stands, for `decide`."""
        # Commands name calls as the backend knows them (`backend_id`); the phone by its own ids.
        calls = tuple(CallView(c.backend_id, c.answered_at is not None, c.ended_at is not None)
                      for c in self.calls.values())
        busy = frozenset(c.backend_id for c in self.calls.values() if self.tracker.busy(c.call_id))
        current = self.calls.get(self.current) if self.current else None
        return Situation(state=self.state, phone_online=self.phone_ok, calls=calls,
                         current=current.backend_id if current is not None else None, busy=busy)

    def live_event(self, event: Event) -> None:
        """Apply one event of the backend's stream (only supervisor commands matter to a ghost)."""
        command = parse_command(event, self.username)
        if command is None:
            return
        self.emit("command", command_id=command.command_id, command=command.name, data=event.data.get("data"))
        decision = decide(command, self.situation())
        for intent in decision.intents:
            if isinstance(intent, SetState):
                self.after_call = None
                self.set_state(intent.state, intent.reason, force=True)
            elif isinstance(intent, SetStateAfterCall):
                self.after_call = (intent.state, intent.reason)
            elif isinstance(intent, ShowNote):
                self.emit("coach", text=intent.text)
            else:
                call = next(c for c in self.calls.values() if c.backend_id == intent.call_id)
                self.tracker.carry_out(command.command_id, replace(intent, call_id=call.call_id),
                                       case_headers(call.headers))
        if decision.ack is not None:
            self._ack(command.command_id, decision.ack)
