"""Interventions: listen, whisper and barge through the supervisor's own phone; desk commands.

Monitoring: the backend signs a token for the agent (`POST /v1/interventions`, audited), then the
supervisor's phone calls the agent's SIP address with `X-Monitor: MODE` and `X-Monitor-Token`; the
agent's engine answers silently and wires the audio by mode. Switching mode mid-call on the same
agent asks the backend for a new token (audited) and sends it within the call (`change_monitor_mode`,
a SIP INFO): the agent's phone rewires without a re-dial, so the supervisor hears on without a gap.
Before the call is answered, or on another agent, it calls again (the old call ends once the new one
is placed). A refused change (403) puts the mode shown back to the one in force.

Desk commands (force Ready / Not Ready, release, transfer, pickup, coaching note) are followed to their
outcome (`agent_tui.sync.supervision.await_outcome`): applied, applied after the agent's call,
refused with why, or not delivered; `outcome_message` says which, the same for desks and ghosts.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from typing import Any

from textual.notifications import SeverityLevel

from agent_tui.desk.supervisor import AckReason
from agent_tui.domain.supervision import (
    MONITOR_MODES,
    AgentRow,
    CommandState,
    CommandStatus,
    InterventionKind,
    InterventionRequest,
    InterventionResult,
    ack_deadline_s,
)
from agent_tui.sync.supervision import await_outcome
from agent_tui.ui.common.text import clean
from agent_tui.ui.monitor.services import MonitorPhone, SupervisorApi

MONITOR_HEADER = "X-Monitor"
TOKEN_HEADER = "X-Monitor-Token"  # noqa: S105 - a header name


class NoPhone(RuntimeError):
    """Monitoring needs the supervisor's softphone, and there is none in this run."""


@dataclass(frozen=True)
class MonitorCall:
    """The supervisor's monitoring call in progress."""

    agent: str
    mode: InterventionKind
    call_id: str
    target: str
    answered: bool = False
    in_force: InterventionKind | None = None
    """The mode the agent's phone last accepted (None: the one the call was placed with)."""


class Interventions:
    """Carries out interventions for the wallboard; one monitoring call at a time."""

    def __init__(self, api: SupervisorApi, phone: MonitorPhone | None,
                 directory: Mapping[str, str] | None = None) -> None:
        self.api = api
        self.phone = phone
        self.directory = dict(directory or {})
        self.current: MonitorCall | None = None
        self._asked = 0
        """Counts monitoring requests and stops: a token answered after a newer one is not used."""

    def sip_target(self, row: AgentRow | None, agent: str, backend_target: str) -> str:
        """Where to call: the local directory (by username, then extension) before the backend's answer."""
        if agent in self.directory:
            return self.directory[agent]
        if row is not None and row.extension and row.extension in self.directory:
            return self.directory[row.extension]
        return backend_target

    def monitor(self, agent: str, mode: InterventionKind,
                row: AgentRow | None = None) -> Coroutine[Any, Any, MonitorCall | None]:
        """Listen, whisper or barge on `agent` (replacing a monitoring call in progress); the call, or
        None when the supervisor stopped or asked again before the backend signed the token.

        The request counts from the moment it is asked (the key press), not from when the worker that
        awaits it first runs: F2 and F5 in one burst both run before that worker, and F5 must win."""
        self._asked += 1
        return self._monitor(agent, mode, row, self._asked)

    async def _monitor(self, agent: str, mode: InterventionKind, row: AgentRow | None,
                       ticket: int) -> MonitorCall | None:
        if mode not in MONITOR_MODES:
            raise ValueError(f"{mode} is not a monitoring mode")
        if self.phone is None:
            raise NoPhone("no softphone in this run: listen, whisper and barge need one")
        result = await self.api.intervene(InterventionRequest(kind=mode, agent=agent))
        if ticket != self._asked:
            return None  # F5 or a newer F2/F3/F4 came while this token was on its way: theirs stands
        token = result.monitor
        if token is None:
            raise RuntimeError("the backend sent no monitor token")
        previous = self.current
        if previous is not None and previous.agent == agent and previous.answered:
            self.phone.change_monitor_mode(previous.call_id, mode.value, token.token)
            self.current = replace(previous, mode=mode, in_force=previous.in_force or previous.mode)
            return self.current
        target = self.sip_target(row, agent, token.sip_target)
        call_id = self.phone.make_call(target, {MONITOR_HEADER: mode.value, TOKEN_HEADER: token.token})
        self.current = MonitorCall(agent, mode, call_id, target)
        if previous is not None:
            self.phone.hangup(previous.call_id)
        return self.current

    def stop(self) -> MonitorCall | None:
        """End the monitoring call (and any request still waiting for its token); the call that was ended."""
        self._asked += 1
        current, self.current = self.current, None
        if current is not None and self.phone is not None:
            self.phone.hangup(current.call_id)
        return current

    def answered(self, call_id: str) -> None:
        """The phone says a call was answered: from now on a mode change goes within the call."""
        if self.current is not None and self.current.call_id == call_id:
            self.current = replace(self.current, answered=True)

    def mode_answered(self, call_id: str, mode: str, ok: bool) -> bool:
        """The agent's phone answered a mode change; True when it refused it (the mode shown goes back)."""
        current = self.current
        if current is None or current.call_id != call_id:
            return False
        if ok:
            self.current = replace(current, in_force=InterventionKind(mode))
            return False
        if current.in_force is not None:
            self.current = replace(current, mode=current.in_force)
        return True

    def ended(self, call_id: str) -> MonitorCall | None:
        """The phone says a call ended: the monitoring call, when it was that one (None otherwise).

        Not ended by the supervisor (`stop` forgets it first): the agent's phone hung up, which it
        does when the monitored call ends (phone/monitor_follow.py), or it went away."""
        current = self.current
        if current is not None and current.call_id == call_id:
            self.current = None
            return current
        return None

    async def command(self, kind: InterventionKind, agent: str, *, reason: str | None = None,
                      target: str | None = None, text: str | None = None,
                      call_id: str | None = None) -> InterventionResult:
        """A desk command (force state, release, transfer, pickup, coaching note), audited."""
        request = InterventionRequest(kind=kind, agent=agent, reason=reason, target=target, text=text,
                                      call_id=call_id)
        return await self.api.intervene(request)

    async def outcome(self, result: InterventionResult) -> CommandState:
        """Wait until the backend knows what became of a desk command (`OutcomeUnknown` if it never says)."""
        if result.command_id is None:
            raise ValueError(f"{result.kind.value} is not a desk command")
        return await await_outcome(self.api, result.command_id, result.kind.value)


WHY_LABELS: dict[str, str] = {
    AckReason.PHONE_OFFLINE.value: "the agent's phone is offline",
    AckReason.NO_PHONE.value: "there is no phone at that desk",
    AckReason.NO_CALL.value: "that call is not on the agent's phone",
    AckReason.NOT_ANSWERED.value: "the call is not answered yet",
    AckReason.NOT_RINGING.value: "the call is no longer ringing",
    AckReason.BUSY.value: "another command on that call is under way",
    AckReason.BAD_COMMAND.value: "the desk did not understand the command",
    AckReason.PHONE_FAILED.value: "the agent's phone could not do it",
    AckReason.CALL_ENDED.value: "the call ended first",
}
"""Why a desk refused a command, by the ack's reason code."""


def command_label(kind: InterventionKind) -> str:
    """The English name of a command kind (translated by the caller): "Force not ready"."""
    return kind.value.replace("_", " ").capitalize()


def outcome_message(state: CommandState, agent: str, kind: InterventionKind,
                    t: Callable[..., str]) -> tuple[str, SeverityLevel]:
    """(message, severity) telling the supervisor what became of a command; `t` translates."""
    who = clean(agent, 40)
    what = t(command_label(kind))
    fields: dict[str, Any] = {"agent": who, "what": what}
    if state.status == CommandStatus.DONE:
        if state.reason == AckReason.AFTER_CALL.value:
            return t("{agent} is on a call: {what} after this call.", **fields), "information"
        return t("{agent}: {what} applied.", **fields), "information"
    if state.status == CommandStatus.FAILED:
        label = WHY_LABELS.get(state.reason)
        why = t(label) if label is not None else (clean(state.detail, 80) or t("no reason given"))
        return t("{agent}'s desk refused {what}: {why}.", why=why, **fields), "warning"
    if state.status == CommandStatus.NOT_DELIVERED:
        seconds = round(ack_deadline_s(kind.value))
        return t("{what} not delivered to {agent}: no answer from the desk in {seconds} s.",
                 seconds=seconds, **fields), "error"
    return t("Sent to {agent}: {what}", **fields), "information"
