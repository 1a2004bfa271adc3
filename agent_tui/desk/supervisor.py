"""Supervisor commands to an agent: what each one is, and whether it applies to the agent's situation.

One copy of the rules for every agent program: the desk (`ui/desk/supervisor_commands.py`) and the
ghost agents (`agent_tui.ghost`) both parse the `command` event with `parse_command`, describe where
the agent stands as a `Situation`, and carry out the `Decision` that `decide` returns: the intents to
apply and the acknowledgement to send (`POST /v1/commands/{id}/ack`). Every command is acknowledged:

- applied at once (force Ready / Not Ready while idle, a coaching note);
- applied when the call is over: a state forced while a call rings, is up or is wrapped up becomes the
  agent's "after this call" state (the same slot as the agent's own Not Ready after this call) and is
  acknowledged as applied with the reason `after_call`;
- started (release, transfer, pickup): the phone does the work and the caller acknowledges when it
  has finished (`agent_tui.ghost.commands.CallCommandTracker`), with its own reason when it failed;
- refused, with a reason code the supervisor's screen translates and a detail in English for the audit.

No Textual, no I/O: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.desk_supervision import CommandAck
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.text import clean

SUPERVISOR_COMMANDS: frozenset[str] = frozenset(
    {"force_state", "coach", "force_release", "force_transfer", "pickup"}
)
"""The command names a supervisor's intervention puts on an agent's stream."""

CALL_STATES: frozenset[AgentStateName] = frozenset(
    {AgentStateName.RINGING, AgentStateName.ON_CALL, AgentStateName.ACW}
)
"""States that belong to a call: a state forced in one of them waits until the call is wrapped up."""

PHONE_OFFLINE = "phone_offline"
"""The Not Ready reason of an agent whose phone is down."""


class AckReason(StrEnum):
    """Why a command was acknowledged the way it was (the `reason` of `CommandAck`)."""

    AFTER_CALL = "after_call"
    """Applied as pending: the agent is on a call; the state is taken after this call."""
    PHONE_OFFLINE = "phone_offline"
    NO_PHONE = "no_phone"
    NO_CALL = "no_call"
    NOT_ANSWERED = "not_answered"
    NOT_RINGING = "not_ringing"
    BUSY = "busy"
    """Another command on the same call is under way."""
    BAD_COMMAND = "bad_command"
    PHONE_FAILED = "phone_failed"
    """The phone refused, failed or did not finish in time."""
    CALL_ENDED = "call_ended"
    """The call ended before it could be moved."""


# ---- the commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForceState:
    """Set the agent's state (a supervisor's force Ready / Not Ready / log out)."""

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
    return clean(str(value), limit, squeeze=True) if isinstance(value, str | int) else ""


def _force_state(data: Mapping[str, Any]) -> tuple[Action | None, str]:
    try:
        state = AgentStateName(str(data.get("state", "")))
    except ValueError:
        return None, f"unknown state {clean(str(data.get('state', '')), 40)!r}"
    if state not in (AgentStateName.READY, AgentStateName.NOT_READY, AgentStateName.LOGGED_OUT):
        return None, f"a supervisor cannot set the state {state.value}"
    reason = _text(data, "reason", 40) or None
    return ForceState(state, reason if state == AgentStateName.NOT_READY else None), ""


def parse_command(event: Event, username: str) -> SupervisorCommand | None:
    """The supervisor command in `event` for `username`; None when the event is not one.

    The event's data is `{"command": name, "data": {...fields, "by": supervisor}}` (`AgentCommand`).
    A command with bad data comes back with `action=None` and a `problem` to refuse it with.
    """
    if event.kind != EventKind.COMMAND or event.target not in (None, username):
        return None
    name = str(event.data.get("command", ""))
    if name not in SUPERVISOR_COMMANDS:
        return None
    inner = event.data.get("data")
    data: Mapping[str, Any] = inner if isinstance(inner, dict) else event.data
    call_id = _text(data, "call_id", 128) or None
    action: Action | None
    problem = ""
    if name == "force_state":
        action, problem = _force_state(data)
    elif name == "coach":
        text = _text(data, "text", 300)
        action, problem = (Coach(text), "") if text else (None, "the note is empty")
    elif name == "force_release":
        action = ForceRelease(call_id)
    elif name == "force_transfer":
        target = _text(data, "target", 128)
        action, problem = (ForceTransfer(call_id, target), "") if target else (None, "no transfer target")
    else:
        to = _text(data, "to", 128)
        action, problem = (Pickup(call_id, to), "") if to else (None, "no extension to move the call to")
    return SupervisorCommand(event.id, name, action, problem)


# ---- the agent's situation ------------------------------------------------------------------------


@dataclass(frozen=True)
class CallView:
    """One call of the agent's phone, as far as commands care."""

    call_id: str
    answered: bool
    ended: bool = False


@dataclass(frozen=True)
class Situation:
    """Where the agent stands when a command arrives."""

    state: AgentStateName
    has_phone: bool = True
    """False for a desk running without a softphone: call commands cannot be done."""
    phone_online: bool | None = None
    """None while unknown (starting up); False when the phone is down."""
    calls: tuple[CallView, ...] = ()
    """The phone's customer calls (not supervisors' monitoring calls)."""
    current: str | None = None
    """The call the agent's state is about (the active one, else the ringing one)."""
    busy: frozenset[str] = frozenset()
    """Calls with a release, transfer or pickup under way."""

    def live(self) -> list[CallView]:
        """Calls not ended."""
        return [c for c in self.calls if not c.ended]

    @property
    def on_a_call(self) -> bool:
        """A call rings, is up or is being wrapped up."""
        return self.state in CALL_STATES or bool(self.live())


# ---- what to do -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetState:
    """Take this state now (the agent's own pending state is dropped: the supervisor decided)."""

    state: AgentStateName
    reason: str | None


@dataclass(frozen=True)
class SetStateAfterCall:
    """Take this state when the current call is wrapped up (replaces any pending state)."""

    state: AgentStateName
    reason: str | None


@dataclass(frozen=True)
class ShowNote:
    """Show the supervisor's coaching note to the agent only."""

    text: str


@dataclass(frozen=True)
class ReleaseCall:
    """Hang up the call; acknowledge when it has ended."""

    call_id: str


@dataclass(frozen=True)
class TransferCall:
    """Blind-transfer the call to `target`; acknowledge when the target took it."""

    call_id: str
    target: str


@dataclass(frozen=True)
class PickupCall:
    """Answer the ringing call and move it to `to`; acknowledge when it is moved."""

    call_id: str
    to: str


Intent = SetState | SetStateAfterCall | ShowNote | ReleaseCall | TransferCall | PickupCall


class Outcome(StrEnum):
    """What became of a command on this agent."""

    APPLIED = "applied"
    PENDING = "pending"
    """Applied when the call is over (acknowledged now as applied, reason `after_call`)."""
    STARTED = "started"
    """Handed to the phone; acknowledged when the phone has finished."""
    REFUSED = "refused"


@dataclass(frozen=True)
class Decision:
    """The outcome of one command, what to do, and the acknowledgement to send now (if any)."""

    command_id: int
    outcome: Outcome
    intents: tuple[Intent, ...] = ()
    reason: AckReason | None = None
    detail: str = ""

    @property
    def ack(self) -> CommandAck | None:
        """What to acknowledge now; None for a started call command (acknowledged by its tracker)."""
        if self.outcome is Outcome.STARTED:
            return None
        return CommandAck(ok=self.outcome is not Outcome.REFUSED,
                          reason=self.reason.value if self.reason else "", detail=self.detail[:200])


def _refused(command_id: int, reason: AckReason, detail: str) -> Decision:
    return Decision(command_id, Outcome.REFUSED, reason=reason, detail=detail)


def _state_words(state: AgentStateName, reason: str | None) -> str:
    words = state.value.replace("_", " ")
    return f"{words} ({reason})" if reason else words


def _decide_state(command_id: int, action: ForceState, now: Situation) -> Decision:
    if now.phone_online is False and action.state != AgentStateName.LOGGED_OUT:
        # Ready would offer calls to a dead phone; another Not Ready reason would hide why it is down.
        return _refused(command_id, AckReason.PHONE_OFFLINE, "the agent's phone is offline")
    words = _state_words(action.state, action.reason)
    if now.on_a_call:
        return Decision(command_id, Outcome.PENDING, (SetStateAfterCall(action.state, action.reason),),
                        AckReason.AFTER_CALL, f"the agent is on a call: {words} after this call")
    return Decision(command_id, Outcome.APPLIED, (SetState(action.state, action.reason),), detail=words)


def _the_call(call_id: str | None, now: Situation, *, ringing: bool) -> CallView | None:
    """The named call, else the current one, else (for a pickup) the ringing one."""
    calls = {c.call_id: c for c in now.calls}
    if call_id is not None:
        return calls.get(call_id)
    live = now.live()
    if ringing:
        return next((c for c in live if not c.answered), None)
    if now.current is not None and now.current in calls:
        return calls[now.current]
    return next((c for c in live if c.answered), live[0] if live else None)


def _decide_call(command_id: int, action: ForceRelease | ForceTransfer | Pickup, now: Situation) -> Decision:
    if not now.has_phone:
        return _refused(command_id, AckReason.NO_PHONE, "no phone on this desk")
    call = _the_call(action.call_id, now, ringing=isinstance(action, Pickup))
    if call is None or call.ended:
        named = f" {action.call_id}" if action.call_id else ""
        return _refused(command_id, AckReason.NO_CALL, f"no call{named} on this phone")
    if call.call_id in now.busy:
        return _refused(command_id, AckReason.BUSY, f"another command on call {call.call_id} is under way")
    intent: Intent
    if isinstance(action, ForceRelease):
        intent = ReleaseCall(call.call_id)
    elif isinstance(action, ForceTransfer):
        if not call.answered:
            return _refused(command_id, AckReason.NOT_ANSWERED, "the call is not answered yet")
        intent = TransferCall(call.call_id, action.target)
    else:
        if call.answered:
            return _refused(command_id, AckReason.NOT_RINGING, "the call is no longer ringing")
        intent = PickupCall(call.call_id, action.to)
    return Decision(command_id, Outcome.STARTED, (intent,))


def decide(command: SupervisorCommand, now: Situation) -> Decision:
    """Whether `command` applies to an agent in situation `now`, what to do, and what to acknowledge."""
    action = command.action
    if action is None:
        return _refused(command.command_id, AckReason.BAD_COMMAND, command.problem or "not understood")
    if isinstance(action, ForceState):
        return _decide_state(command.command_id, action, now)
    if isinstance(action, Coach):
        return Decision(command.command_id, Outcome.APPLIED, (ShowNote(action.text),), detail="shown")
    return _decide_call(command.command_id, action, now)
