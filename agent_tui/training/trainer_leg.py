"""The trainer's own softphone joined to a training call while the trainer plays the customer (a takeover).

Used by the simulated caller process (training/caller.py): on a takeover it rings the trainer's phone and
mixes the answered leg into the trainee's call; the leg ends with the trainee's call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from agent_tui.phone.events import CallEnded, CallState, PhoneEvent


class ConferencePhone(Protocol):
    """What a trainer's leg needs of the engine."""

    def make_call(self, uri: str, headers: dict[str, str] | None = None, account: str | None = None) -> str:
        """Dial; returns the call id."""

    def hangup(self, call_id: str) -> None:
        """Hang up."""

    def conference(self, a: str, b: str) -> None:
        """Mix calls `a` and `b` (and us)."""


class TrainerLeg:
    """The trainer's own softphone joined to a training call while the trainer plays the customer.

    `emit(state)` reports `ringing`, `joined` and `ended`; without a `uri` a takeover only silences the
    simulated caller (the trainer types captions or hints instead).
    """

    def __init__(self, phone: ConferencePhone, uri: str | None, emit: Callable[[str], None]) -> None:
        self.phone = phone
        self.uri = uri
        self.emit = emit
        self.call_id: str | None = None
        self._trainee_call: str | None = None

    def join(self, trainee_call: str | None, attempt_id: str) -> None:
        """Ring the trainer's phone for `trainee_call` (once; nothing without a phone or a call)."""
        if self.uri is None or trainee_call is None or self.call_id is not None:
            return
        self._trainee_call = trainee_call
        self.call_id = self.phone.make_call(self.uri, {"X-Training-Takeover": attempt_id or "1"})
        self.emit("ringing")

    def leave(self) -> None:
        """Hang the trainer's leg up (the `ended` report follows from the engine)."""
        if self.call_id is not None:
            self.phone.hangup(self.call_id)

    def on_phone_event(self, event: PhoneEvent) -> None:
        """Join the answered leg to the trainee's call; forget it when it ends; end it with the trainee's."""
        call_id = getattr(event, "call_id", None)
        if call_id is None:
            return
        if call_id == self.call_id:
            if isinstance(event, CallState) and event.state == "confirmed" and self._trainee_call is not None:
                self.phone.conference(self._trainee_call, call_id)
                self.emit("joined")
            elif isinstance(event, CallEnded):
                self.call_id = None
                self.emit("ended")
        elif call_id == self._trainee_call and isinstance(event, CallEnded):
            self.leave()
