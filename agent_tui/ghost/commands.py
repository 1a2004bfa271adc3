"""Supervisor commands on an agent's event stream, shared by the desk and the ghost agents.

The backend sends them as `command` events for one agent (`domain.supervision`): `force_state {state,
reason}`, `coach {text}`, `force_release {call_id}`, `force_transfer {call_id, target}` and `pickup
{call_id, to}`. Each is acknowledged with `POST /v1/commands/{event id}/ack {ok, detail}`.

`parse_command` turns an event into a typed command (or says why it cannot be carried out);
`CallCommandTracker` carries out the three call commands on a phone and follows the phone's events
to the outcome it acknowledges: a release is done when the call has ended, a transfer when the
target took the call (the REFER's final NOTIFY), a pickup when the ringing call, answered and then
blind-transferred to the supervisor's extension, has been taken there.

The engine cannot redirect a call that is still ringing (no 302 with a Contact), so a pickup answers
the call first and then blind-transfers it: the caller hears the agent's side for a moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.events import Event, EventKind
from agent_tui.phone.events import CallEnded, CallState, EngineError, Transferred
from agent_tui.sync.text import clean_text

SUPERVISOR_COMMANDS: frozenset[str] = frozenset(
    {"force_state", "coach", "force_release", "force_transfer", "pickup"}
)
"""The command names a supervisor's intervention puts on an agent's stream."""

CASE_HEADERS: tuple[str, ...] = ("X-Customer-Id", "X-Account", "X-Queue", "X-Ticket-Id")
"""SIP headers that hand the case over with a transfer."""

DEFAULT_TIMEOUT_S = 15.0
"""How long a call command may take before it is acknowledged as failed."""


@dataclass(frozen=True)
class ForceState:
    """Set the agent's state (a supervisor's force Ready / Not Ready)."""

    state: AgentStateName
    reason: str | None = None


@dataclass(frozen=True)
class Coach:
    """A silent coaching note for the agent."""

    text: str


@dataclass(frozen=True)
class ForceRelease:
    """End the agent's call (强拆); `call_id` None means the current call."""

    call_id: str | None


@dataclass(frozen=True)
class ForceTransfer:
    """Blind-transfer the agent's call to `target` (强转)."""

    call_id: str | None
    target: str


@dataclass(frozen=True)
class Pickup:
    """Move the agent's ringing call to the supervisor's extension `to` (代接)."""

    call_id: str | None
    to: str


Action = ForceState | Coach | ForceRelease | ForceTransfer | Pickup


@dataclass(frozen=True)
class SupervisorCommand:
    """One command event: its id (what the ack names) and the action, or why it cannot be done."""

    command_id: int
    name: str
    action: Action | None
    problem: str = ""


def _text(data: Mapping[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    return clean_text(str(value))[:limit].strip() if isinstance(value, str | int) else ""


def parse_command(event: Event, username: str) -> SupervisorCommand | None:
    """The supervisor command in `event` for `username`; None when the event is not one.

    The event's data is `{"command": name, "data": {...fields, "by": supervisor}}` (`AgentCommand`).

    A command with bad data comes back with `action=None` and a `problem` to acknowledge it with.
    """
    if event.kind != EventKind.COMMAND or event.target not in (None, username):
        return None
    name = str(event.data.get("command", ""))
    if name not in SUPERVISOR_COMMANDS:
        return None
    # The event's data is an `AgentCommand`: the command's own fields sit under "data".
    inner = event.data.get("data")
    data: Mapping[str, Any] = inner if isinstance(inner, dict) else event.data
    call_id = _text(data, "call_id", 128) or None
    action: Action | None = None
    problem = ""
    if name == "force_state":
        try:
            state = AgentStateName(str(data.get("state", "")))
        except ValueError:
            problem = f"unknown state {clean_text(str(data.get('state', '')))[:40]!r}"
        else:
            if state in (AgentStateName.READY, AgentStateName.NOT_READY, AgentStateName.LOGGED_OUT):
                reason = _text(data, "reason", 40) or None
                action = ForceState(state, reason if state == AgentStateName.NOT_READY else None)
            else:
                problem = f"a supervisor cannot set the state {state.value}"
    elif name == "coach":
        text = _text(data, "text", 300)
        action = Coach(text) if text else None
        problem = "" if text else "the note is empty"
    elif name == "force_release":
        action = ForceRelease(call_id)
    elif name == "force_transfer":
        target = _text(data, "target", 128)
        action = ForceTransfer(call_id, target) if target else None
        problem = "" if target else "no transfer target"
    else:
        to = _text(data, "to", 128)
        action = Pickup(call_id, to) if to else None
        problem = "" if to else "no extension to move the call to"
    return SupervisorCommand(event.id, name, action, problem)


def case_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The case headers (customer, account, queue, ticket) of a call's incoming headers."""
    lowered = {key.lower(): value for key, value in headers.items()}
    return {name: lowered[name.lower()] for name in CASE_HEADERS if lowered.get(name.lower())}


class CallOps(Protocol):
    """What the tracker asks of a phone (both `PhoneEngine` and the desk's `PhoneControl` fit)."""

    def answer(self, call_id: str) -> None:
        """Answer a ringing call."""

    def hangup(self, call_id: str) -> None:
        """End a call."""

    def blind_transfer(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> None:
        """REFER the remote party to `target` with the case headers."""


Ack = Callable[[int, bool, str], None]
"""Acknowledge command `id` with ok and a detail."""


@dataclass
class _Pending:
    command_id: int
    kind: str
    call_id: str
    deadline: float
    target: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    transferring: bool = False


class CallCommandTracker:
    """Carries out release, transfer and pickup on a phone and acknowledges each by its outcome."""

    def __init__(self, ops: CallOps, ack: Ack, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ops = ops
        self._ack = ack
        self._timeout_s = timeout_s
        self._clock = clock
        self._pending: dict[str, _Pending] = {}

    def busy(self, call_id: str) -> bool:
        """True while a command on `call_id` is under way."""
        return call_id in self._pending

    def _start(self, pending: _Pending, action: Callable[[], None]) -> None:
        if pending.call_id in self._pending:
            self._ack(pending.command_id, False, f"another command on call {pending.call_id} is under way")
            return
        self._pending[pending.call_id] = pending
        try:
            action()
        except Exception as error:
            self._finish(pending.call_id, False, f"the phone refused: {clean_text(str(error))[:200]}")

    def release(self, command_id: int, call_id: str) -> None:
        """Hang up `call_id`; acknowledged when the call has ended."""
        pending = _Pending(command_id, "release", call_id, self._clock() + self._timeout_s)
        self._start(pending, lambda: self._ops.hangup(call_id))

    def transfer(self, command_id: int, call_id: str, target: str, headers: Mapping[str, str]) -> None:
        """Blind-transfer `call_id` to `target`; acknowledged when the target took the call."""
        pending = _Pending(command_id, "transfer", call_id, self._clock() + self._timeout_s, target,
                           dict(headers), transferring=True)
        self._start(pending, lambda: self._ops.blind_transfer(call_id, target, dict(headers)))

    def pickup(self, command_id: int, call_id: str, to: str, headers: Mapping[str, str],
               *, answered: bool = False) -> None:
        """Move `call_id` to extension `to`: answer it (unless it is), then blind-transfer it."""
        pending = _Pending(command_id, "pickup", call_id, self._clock() + self._timeout_s, to, dict(headers),
                           transferring=answered)
        if answered:
            self._start(pending, lambda: self._ops.blind_transfer(call_id, to, dict(headers)))
        else:
            self._start(pending, lambda: self._ops.answer(call_id))

    def on_event(self, event: object) -> None:
        """Follow one phone event (call it for every event, on the thread that owns the tracker)."""
        call_id = getattr(event, "call_id", None)
        pending = self._pending.get(call_id) if isinstance(call_id, str) else None
        if pending is None:
            return
        if isinstance(event, CallState):
            if event.state == "confirmed" and pending.kind == "pickup" and not pending.transferring:
                pending.transferring = True
                try:
                    self._ops.blind_transfer(pending.call_id, pending.target, dict(pending.headers))
                except Exception as error:
                    self._finish(pending.call_id, False, f"the phone refused: {clean_text(str(error))[:200]}")
        elif isinstance(event, Transferred) and pending.transferring:
            if event.ok:
                self._finish(pending.call_id, True, f"transferred to {pending.target}")
            else:
                reason = clean_text(event.reason)[:120]
                self._finish(pending.call_id, False,
                             f"the transfer to {pending.target} failed ({event.code} {reason})".strip())
        elif isinstance(event, CallEnded):
            reason = clean_text(event.reason)[:120]
            if pending.kind == "release":
                self._finish(pending.call_id, True, f"call ended ({reason})")
            elif reason == "transferred":
                self._finish(pending.call_id, True, f"transferred to {pending.target}")
            else:
                self._finish(pending.call_id, False, f"the call ended before it was moved ({reason})")
        elif isinstance(event, EngineError):
            self._finish(pending.call_id, False, f"phone error: {clean_text(event.message)[:200]}")

    def tick(self, now: float | None = None) -> None:
        """Acknowledge as failed the commands the phone did not finish in time."""
        now = self._clock() if now is None else now
        for call_id, pending in list(self._pending.items()):
            if now >= pending.deadline:
                self._finish(call_id, False, f"the phone did not finish the {pending.kind} in time")

    def _finish(self, call_id: str, ok: bool, detail: str) -> None:
        pending = self._pending.pop(call_id, None)
        if pending is not None:
            self._ack(pending.command_id, ok, detail[:200])
