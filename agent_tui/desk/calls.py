"""The desk's contact book: one `CallSession` per call, from ringing (or dialing) to wrap-up.

A call is the first kind of contact; chats and e-mails (next round) join the same book with their own
`channel`, so nothing here assumes one contact at a time."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from agent_tui.domain.base import utc_now
from agent_tui.domain.call import CallRecord, Direction
from agent_tui.domain.customer import Customer, LookupMatch, LookupResult
from agent_tui.domain.figures import talk_seconds
from agent_tui.domain.text import clean
from agent_tui.domain.ticket import TicketCreate

SCENARIO_HEADER = "X-Training-Scenario"
"""The SIP header a training call's INVITE names its scenario in."""
CALL_ID_HEADER = "X-Call-Id"
"""The PBX's own id of a call, when it sends one with the INVITE."""


class CallPhase(StrEnum):
    """Where a call is, as the desk shows it."""

    RINGING = "ringing"
    DIALING = "dialing"
    TALKING = "talking"
    HELD = "held"
    ENDED = "ended"


class LookupState(StrEnum):
    """Progress of the screen-pop lookup of a call."""

    PENDING = "pending"
    FOUND = "found"
    SEVERAL = "several"
    NONE = "none"
    FAILED = "failed"


@dataclass
class PendingTicket:
    """A work order submitted on this call: queued in the outbox until the backend confirms it."""

    reference: str
    ticket: TicketCreate
    synced: bool = False


@dataclass
class CallSession:
    """One call on this desk, from ringing (or dialing) to wrap-up."""

    call_id: str
    number: str
    display: str = ""
    channel: str = "voice"
    """The kind of contact (a phone call today; chat and e-mail later share the book)."""
    headers: dict[str, str] = field(default_factory=dict)
    direction: Direction = Direction.INBOUND
    offered_at: datetime = field(default_factory=utc_now)
    phase: CallPhase = CallPhase.RINGING
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str = ""
    muted: bool = False
    hold_started: float | None = None
    hold_s: float = 0.0
    lookup: LookupState = LookupState.PENDING
    lookup_error: str = ""
    matches: list[LookupMatch] = field(default_factory=list)
    match: LookupMatch | None = None
    customer: Customer | None = None
    pop_latency_ms: float | None = None
    tickets: list[PendingTicket] = field(default_factory=list)
    consult_call_id: str | None = None
    wrapped_up: bool = False
    """The wrap-up is saved (or the call needs none): its final call record is sent."""
    rejected: bool = False
    """The agent refused the call while it rang (not a missed call)."""
    backend_id: str = ""
    """The call's id towards the backend (state changes, call records, supervisor commands): the PBX's
    X-Call-Id when it sent one, so the record and the PBX's queue events name the same call; else the
    phone's call id. Kept apart from the headers, which an old call drops (`summarize`)."""

    def __post_init__(self) -> None:
        if not self.backend_id:
            given = clean(self.headers.get(CALL_ID_HEADER, ""), 128).strip()
            self.backend_id = given or self.call_id

    @property
    def queue(self) -> str:
        """The queue the IVR routed the call through (X-Queue)."""
        return self.headers.get("X-Queue", "")

    @property
    def customer_id_hint(self) -> int | None:
        """X-Customer-Id from the IVR, when it is a number."""
        raw = self.headers.get("X-Customer-Id", "").strip()
        return int(raw) if raw.isdigit() else None

    @property
    def customer_id(self) -> int | None:
        """The call's customer: the one the agent (or the lookup) settled on, else the IVR's hint; None
        for a training call, whose customer is the scenario's stand-in (id 0, in no backend: a record
        naming it is refused with 422)."""
        if is_training_call(self):
            return None
        return self.customer.id if self.customer is not None else self.customer_id_hint

    @property
    def account_hint(self) -> str | None:
        """X-Account (户号) the IVR collected."""
        raw = self.headers.get("X-Account", "").strip()
        return raw or None

    def wait_s(self, now: datetime | None = None) -> float:
        """How long the call has been waiting (IVR wait included when X-Wait-S is sent)."""
        extra = self.headers.get("X-Wait-S", "")
        base = float(extra) if extra.replace(".", "", 1).isdigit() else 0.0
        return base + ((now or utc_now()) - self.offered_at).total_seconds()

    def talk_s(self, now: datetime | None = None, mono: float | None = None) -> float:
        """Talk time: answer to end (or `now`), minus the time on hold (DOMAIN.md: talk excludes hold)."""
        return talk_seconds(self.answered_at, self.ended_at or now or utc_now(), self.held_s(mono))

    def held_s(self, mono: float | None = None) -> float:
        """All time on hold so far, the current hold included."""
        return self.hold_s + self.current_hold_s(mono)

    def current_hold_s(self, mono: float | None = None) -> float:
        """How long the call has been on hold this time (the hold timer); 0 when not held."""
        if self.hold_started is None:
            return 0.0
        return max((mono if mono is not None else time.monotonic()) - self.hold_started, 0.0)

    @property
    def answered(self) -> bool:
        """The agent talked to the caller."""
        return self.answered_at is not None

    def set_lookup(self, result: LookupResult) -> None:
        """Take a lookup answer: one match becomes the customer, several wait for the agent's pick."""
        self.matches = list(result.matches)
        if len(self.matches) == 1:
            self.choose(self.matches[0])
        elif self.matches:
            self.lookup = LookupState.SEVERAL
        else:
            self.lookup = LookupState.NONE

    def choose(self, match: LookupMatch) -> None:
        """The agent (or the lookup) settled on one customer."""
        self.match = match
        self.customer = match.customer
        self.lookup = LookupState.FOUND

    def summarize(self) -> None:
        """Keep only what the call history needs: number, who, times, direction, marks."""
        self.matches = []
        self.match = None
        self.headers = {}
        self.tickets = [t for t in self.tickets if not t.synced]

    def start_hold(self, mono: float | None = None) -> None:
        """The call went on hold."""
        if self.hold_started is None:
            self.hold_started = mono if mono is not None else time.monotonic()
        self.phase = CallPhase.HELD

    def end_hold(self, mono: float | None = None) -> None:
        """The call came off hold."""
        if self.hold_started is not None:
            self.hold_s += self.current_hold_s(mono)
            self.hold_started = None
        self.phase = CallPhase.TALKING

    def to_record(self, agent: str, acw_s: float = 0.0, *, mono: float | None = None,
                  wrapup: dict[str, Any] | None = None) -> CallRecord:
        """The call record for the backend; `wrapup` adds disposition, FCR, transfer reason, notes."""
        return CallRecord(
            call_id=self.backend_id[:128],
            direction=self.direction,
            number=self.number[:200],
            agent=agent,
            customer_id=self.customer_id,
            queue=self.queue[:200] or None,
            offered_at=self.offered_at,
            answered_at=self.answered_at,
            ended_at=self.ended_at,
            talk_s=self.talk_s(mono=mono),
            hold_s=self.held_s(mono),
            acw_s=acw_s,
            end_reason=self.end_reason[:200],
            pop_latency_ms=self.pop_latency_ms,
            **(wrapup or {}),
        )


def is_training_call(session: CallSession | None) -> bool:
    """Whether a call is a training call (its INVITE named a scenario)."""
    return session is not None and bool(session.headers.get(SCENARIO_HEADER))
