"""The desk's own record of calls, agent state and today's figures (plain Python, no widgets)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.call import CallRecord, Direction
from agent_tui.domain.customer import Customer, LookupMatch, LookupResult
from agent_tui.domain.ticket import TicketCreate


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
    def account_hint(self) -> str | None:
        """X-Account (户号) the IVR collected."""
        raw = self.headers.get("X-Account", "").strip()
        return raw or None

    def wait_s(self, now: datetime | None = None) -> float:
        """How long the call has been waiting (IVR wait included when X-Wait-S is sent)."""
        extra = self.headers.get("X-Wait-S", "")
        base = float(extra) if extra.replace(".", "", 1).isdigit() else 0.0
        return base + ((now or utc_now()) - self.offered_at).total_seconds()

    def talk_s(self, now: datetime | None = None) -> float:
        """Seconds since answer (to the end when over)."""
        if self.answered_at is None:
            return 0.0
        end = self.ended_at or now or utc_now()
        return max((end - self.answered_at).total_seconds(), 0.0)

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

    def start_hold(self) -> None:
        """The call went on hold."""
        if self.hold_started is None:
            self.hold_started = time.monotonic()
        self.phase = CallPhase.HELD

    def end_hold(self) -> None:
        """The call came off hold."""
        if self.hold_started is not None:
            self.hold_s += time.monotonic() - self.hold_started
            self.hold_started = None
        self.phase = CallPhase.TALKING

    def to_record(self, agent: str, acw_s: float = 0.0, **wrapup: object) -> CallRecord:
        """The call record for the backend; `wrapup` adds disposition, FCR, transfer reason, notes."""
        return CallRecord(
            call_id=self.call_id,
            direction=self.direction,
            number=self.number[:200],
            agent=agent,
            customer_id=self.customer.id if self.customer else None,
            queue=self.queue[:200] or None,
            offered_at=self.offered_at,
            answered_at=self.answered_at,
            ended_at=self.ended_at,
            talk_s=self.talk_s(),
            hold_s=self.hold_s,
            acw_s=acw_s,
            end_reason=self.end_reason[:200],
            pop_latency_ms=self.pop_latency_ms,
            **wrapup,
        )


@dataclass
class AgentStatus:
    """The agent's state as the status bar shows it, with when it began."""

    state: AgentStateName = AgentStateName.NOT_READY
    reason: str | None = None
    since: float = field(default_factory=time.monotonic)

    def elapsed(self, now: float | None = None) -> float:
        """Seconds in this state."""
        return (now if now is not None else time.monotonic()) - self.since


@dataclass
class DeskStats:
    """Today's figures for this agent: calls handled, average handling time, first-call resolution."""

    calls: int = 0
    handle_s: float = 0.0
    resolved: int = 0
    judged: int = 0

    def add(self, talk_s: float, hold_s: float, acw_s: float, resolved: bool | None) -> None:
        """Count one finished call (AHT counts talk + hold + ACW)."""
        self.calls += 1
        self.handle_s += talk_s + hold_s + acw_s
        if resolved is not None:
            self.judged += 1
            self.resolved += int(resolved)

    @property
    def aht_s(self) -> float | None:
        """Average handling time, or None before the first call."""
        return self.handle_s / self.calls if self.calls else None

    @property
    def fcr(self) -> float | None:
        """Share of judged calls resolved at first contact."""
        return self.resolved / self.judged if self.judged else None
