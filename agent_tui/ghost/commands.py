"""Carrying out the supervisor's call commands on a phone, shared by the desk and the ghost agents.

What a command is and whether it applies is decided in `agent_tui.desk.supervisor`; release,
transfer and pickup then need the phone, and `CallCommandTracker` follows the phone's events to the
outcome it acknowledges: a release is done when the call has ended, a transfer when the target took
the call (the REFER's final NOTIFY), a pickup when the ringing call, answered and then
blind-transferred to the supervisor's extension, has been taken there. A command the phone refuses,
fails or does not finish within `CALL_COMMAND_TIMEOUT_S` is acknowledged as refused (`phone_failed`).

The engine cannot redirect a call that is still ringing (no 302 with a Contact), so a pickup answers
the call first and then blind-transfers it: the caller hears the agent's side for a moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from agent_tui.desk.supervisor import AckReason, PickupCall, ReleaseCall, TransferCall
from agent_tui.domain.desk_supervision import CALL_COMMAND_TIMEOUT_S, CommandAck
from agent_tui.phone.events import CallEnded, CallState, EngineError, Transferred
from agent_tui.sync.text import clean_text

CASE_HEADERS: tuple[str, ...] = ("X-Customer-Id", "X-Account", "X-Queue", "X-Ticket-Id")
"""SIP headers that hand the case over with a transfer."""


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


CallIntent = ReleaseCall | TransferCall | PickupCall
"""The intents of `decide` that need the phone."""

Ack = Callable[[int, CommandAck], None]
"""Acknowledge command `id` with its outcome."""


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

    def __init__(self, ops: CallOps, ack: Ack, *, timeout_s: float = CALL_COMMAND_TIMEOUT_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ops = ops
        self._ack = ack
        self._timeout_s = timeout_s
        self._clock = clock
        self._pending: dict[str, _Pending] = {}

    def busy(self, call_id: str) -> bool:
        """True while a command on `call_id` is under way."""
        return call_id in self._pending

    def busy_calls(self) -> frozenset[str]:
        """The calls with a command under way."""
        return frozenset(self._pending)

    def _start(self, pending: _Pending, action: Callable[[], None]) -> None:
        if pending.call_id in self._pending:
            detail = f"another command on call {pending.call_id} is under way"
            ack = CommandAck(ok=False, reason=AckReason.BUSY.value, detail=detail[:200])
            self._ack(pending.command_id, ack)
            return
        self._pending[pending.call_id] = pending
        try:
            action()
        except Exception as error:
            self._finish(pending.call_id, False, f"the phone refused: {clean_text(str(error))[:200]}")

    def carry_out(self, command_id: int, intent: CallIntent, headers: Mapping[str, str]) -> None:
        """Start the call command `decide` asked for; it is acknowledged when the phone has finished."""
        if isinstance(intent, ReleaseCall):
            self.release(command_id, intent.call_id)
        elif isinstance(intent, TransferCall):
            self.transfer(command_id, intent.call_id, intent.target, headers)
        else:
            self.pickup(command_id, intent.call_id, intent.to, headers)

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
                self._finish(pending.call_id, False, f"the call ended before it was moved ({reason})",
                             AckReason.CALL_ENDED)
        elif isinstance(event, EngineError):
            self._finish(pending.call_id, False, f"phone error: {clean_text(event.message)[:200]}")

    def tick(self, now: float | None = None) -> None:
        """Acknowledge as failed the commands the phone did not finish in time."""
        now = self._clock() if now is None else now
        for call_id, pending in list(self._pending.items()):
            if now >= pending.deadline:
                self._finish(call_id, False, f"the phone did not finish the {pending.kind} in time")

    def _finish(self, call_id: str, ok: bool, detail: str,
                reason: AckReason = AckReason.PHONE_FAILED) -> None:
        pending = self._pending.pop(call_id, None)
        if pending is not None:
            self._ack(pending.command_id, CommandAck(ok=ok, reason="" if ok else reason.value,
                                                     detail=detail[:200]))
