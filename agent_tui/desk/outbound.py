"""The outbound preview dialer: work waiting for this agent (callbacks, campaign contacts) offered when
the agent is free, with no UI.

The dialer watches the desk model (`DeskModel`: its state, its ringing call, its wrap-ups) and asks for
one item at a time from an item source (`agent_tui.desk.outbound_items.OutboundSource`). Like the desk
model it returns effects for the UI to carry out; it holds at most one item.

The rules, each written once here:
- An item is asked for only when the agent is Ready with no call up or ringing and no wrap-up unsaved.
- An offered item is shown in a preview with a countdown (`preview_s`): accept dials now, skip returns
  it with a reason; when the countdown ends `progressive` dials by itself, `preview` returns the item
  ("not taken") and pauses the dialer until the agent resumes it (an agent away from the keyboard is
  not offered the same work over and over).
- An inbound call always wins: a ring, a wrap-up or a state other than Ready withdraws the offer and
  releases the item; an item that arrives after the agent stopped being free is released at once.
- Every item the dialer received ends exactly once: released, or its outcome saved after its call.
- Nothing is asked for while a release or an outcome is on its way: the backend hands an agent the item
  they still hold first, so a request overtaking the outcome brought the same contact back and it was
  dialled twice (the two-desk campaign walk found it).
- Releases and outcomes go through the desk's outbox (journalled, delivered once, in order): "on its
  way" lasts until the outbox has delivered them, however long the backend is down (the agent keeps
  taking inbound calls meanwhile), and across a restart of the desk (a new dialer starts with the
  journal's count).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol, TypeVar

from agent_tui.desk.calls import CallSession
from agent_tui.desk.effects import Notify
from agent_tui.desk.stats import AgentStatus
from agent_tui.desk.wrapup import PendingWrapUp
from agent_tui.domain.agent import AgentStateName

OutboundMode = Literal["off", "preview", "progressive"]
INBOUND_CALL = "inbound call"
"""Release reason: a call rang while the item was offered (or on its way)."""
NOT_READY = "agent not ready"
"""Release reason: the agent left Ready (or started a wrap-up) while the item was offered."""
NOT_TAKEN = "not taken"
"""Release reason: a preview's countdown ran out with no answer from the agent."""
DIAL_FAILED = "dial failed"
"""Release reason: the phone could not place the call."""
PAUSED = "paused by the agent"
"""Release reason: the agent paused outbound work."""
NO_ANSWER = "no_answer"
"""The outcome code of a call nobody answered (the item is rescheduled, not closed)."""


@dataclass(frozen=True)
class OutboundItem:
    """One piece of outbound work: a callback or a campaign contact."""

    source: str
    """Which source it came from (`callback`, `campaign`): where its release and outcome go."""
    item_id: str
    number: str
    name: str = ""
    customer_id: int | None = None
    reason: str = ""
    """Why the call is owed (a callback's reason) or the campaign's name."""
    waiting_since: datetime | None = None
    """Since when the customer waits (callbacks), shown as the wait time."""
    outcomes: tuple[str, ...] = ()
    """The outcome codes the agent chooses from (campaigns); empty: reached / not reached."""
    screen: str = ""
    """The script shown while the call is up (campaigns)."""
    voicemail: str | None = None
    """The voicemail's id (callbacks left by voicemail): played before dialling."""

    @property
    def key(self) -> str:
        """`source:id`, unique across sources."""
        return f"{self.source}:{self.item_id}"

    @property
    def who(self) -> str:
        """The number, and the name when there is one (raw: the UI cleans what it shows)."""
        return f"{self.number} {self.name}" if self.name else self.number


@dataclass(frozen=True)
class Outcome:
    """How an item's call went: `code` (`reached`, `no_answer` or a campaign's own), and when to try
    again (`retry_at`; None closes the item)."""

    code: str
    note: str = ""
    call_id: str | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True)
class FetchNext:
    """Ask the source for the next item (`skip`: ids the agent skipped this session, not offered again);
    the answer comes back through `OutboundDialer.fetched`."""

    skip: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseItem:
    """Give the item back to its source, with the reason."""

    item: OutboundItem
    reason: str


@dataclass(frozen=True)
class DialItem:
    """Place the call to the item's number (the phone's call id comes back through `placed`)."""

    item: OutboundItem


@dataclass(frozen=True)
class SaveOutcome:
    """Write the item's outcome to its source: closed, or rescheduled when `outcome.retry_at` is set."""

    item: OutboundItem
    outcome: Outcome


OutboundEffect = FetchNext | ReleaseItem | DialItem | SaveOutcome | Notify
"""Every effect the dialer emits."""
Written = TypeVar("Written", ReleaseItem, SaveOutcome)
"""The effects that write to the source (their delivery told through `OutboundDialer.delivered`)."""


class DialerPhase(StrEnum):
    """Where the dialer stands."""

    IDLE = "idle"
    FETCHING = "fetching"
    OFFERED = "offered"
    DIALING = "dialing"
    ON_CALL = "on_call"
    OUTCOME = "outcome"
    """The item's call ended: waiting for the agent's outcome."""


class DeskView(Protocol):
    """What the dialer reads of the desk model."""

    status: AgentStatus
    ringing_id: str | None

    def live_calls(self) -> list[CallSession]:
        """Calls not ended."""

    def unsaved(self) -> list[PendingWrapUp]:
        """Wrap-ups of ended calls not saved yet."""


def desk_free(desk: DeskView) -> bool:
    """Ready, nothing up or ringing, nothing to wrap up: the only time outbound work is offered."""
    return (desk.status.state == AgentStateName.READY and desk.ringing_id is None
            and not desk.live_calls() and not desk.unsaved())


@dataclass
class OutboundDialer:
    """One desk's dialer: at most one item, offered, dialled and closed by the rules above."""

    mode: OutboundMode = "preview"
    preview_s: float = 15.0
    """Length of the preview's countdown."""
    poll_s: float = 20.0
    """How long to wait before asking again after the sources had nothing (or failed)."""
    phase: DialerPhase = DialerPhase.IDLE
    item: OutboundItem | None = None
    """The item offered, dialled or waiting for its outcome."""
    deadline: float | None = None
    """When the preview's countdown ends (monotonic seconds)."""
    next_fetch: float = 0.0
    """Not before this (monotonic seconds): the sources had nothing a moment ago."""
    call_id: str | None = None
    """The item's call, once the phone placed it."""
    answered: bool = False
    paused: bool = False
    """The agent paused outbound work (or let a preview run out): nothing is asked for until resumed."""
    expired: OutboundItem | None = None
    """The offer whose preview ran out untaken (the pause's reason, shown until the agent resumes)."""
    skipped: list[str] = field(default_factory=list)
    """Keys of the items the agent skipped this session (not offered again)."""
    stale: str | None = None
    """An item asked for while free, whose answer will come after the agent stopped being free: the
    reason it is released with when it arrives."""
    writing: int = 0
    """Releases and outcomes handed to the outbox and not delivered yet (`delivered`): no item is asked
    for until it is 0. A dialer made at start-up is given the journal's count."""

    # ---- the desk changed, time passed --------------------------------------------------------

    def sync(self, desk: DeskView, now: float) -> list[OutboundEffect]:
        """After every desk event (and each tick): withdraw an offer the desk no longer allows, or ask
        for the next item when the agent is free."""
        if self.mode == "off":
            return []
        free = desk_free(desk)
        if self.phase is DialerPhase.OFFERED and not free:
            return [self._release(self._why_not(desk))]
        if self.phase is DialerPhase.FETCHING:
            self.stale = None if free else self._why_not(desk)
            return []
        if (self.phase is DialerPhase.IDLE and free and not self.paused and not self.writing
                and now >= self.next_fetch):
            self.phase, self.stale = DialerPhase.FETCHING, None
            return [FetchNext(tuple(self.skipped))]
        return []

    def tick(self, desk: DeskView, now: float) -> list[OutboundEffect]:
        """A second passed: the preview's countdown may have ended."""
        out = self.sync(desk, now)
        if self.phase is DialerPhase.OFFERED and self.deadline is not None and now >= self.deadline:
            if self.mode == "progressive":
                return out + self._dial()
            item = self.item
            out.append(self._release(NOT_TAKEN))
            self.paused, self.expired = True, item
            # Said over whatever panel is open, and long enough to be read when the agent looks up;
            # the call strip keeps saying it until the agent resumes (see desk/outbound_offer.py).
            who = item.who if item is not None else ""
            out.append(Notify("The outbound offer expired: {who} was not taken within {seconds} s and went "
                              "back. Outbound is paused: ctrl+y resumes.",
                              {"who": who, "seconds": str(round(self.preview_s))}, severity="warning",
                              timeout=30))
        return out

    # ---- answers from the source and the phone ------------------------------------------------

    def fetched(self, item: OutboundItem | None, desk: DeskView, now: float) -> list[OutboundEffect]:
        """The source answered `FetchNext` (None: nothing waits for this agent now)."""
        if self.phase is not DialerPhase.FETCHING:
            return [self._sending(ReleaseItem(item, NOT_READY))] if item is not None else []
        if item is None:
            self.phase, self.next_fetch = DialerPhase.IDLE, now + self.poll_s
            return []
        stale = self.stale if self.stale is not None else (None if desk_free(desk) else self._why_not(desk))
        if self.paused:
            stale = PAUSED
        self.stale = None
        if stale is not None:
            self.phase = DialerPhase.IDLE
            return [self._sending(ReleaseItem(item, stale))]
        self.phase, self.item, self.deadline = DialerPhase.OFFERED, item, now + self.preview_s
        self.call_id, self.answered = None, False
        if self.mode == "progressive" and self.preview_s <= 0:
            return self._dial()
        return []

    def fetch_failed(self, now: float) -> list[OutboundEffect]:
        """The source could not be asked (backend down): try again after `poll_s`."""
        if self.phase is DialerPhase.FETCHING:
            self.phase, self.next_fetch, self.stale = DialerPhase.IDLE, now + self.poll_s, None
        return []

    def delivered(self, waiting: int, desk: DeskView, now: float) -> list[OutboundEffect]:
        """The outbox says `waiting` releases and outcomes are not delivered yet (the backend took the
        others, or refused them for good: dead letters): at 0 the next item may be asked for."""
        self.writing = max(0, waiting)
        return self.sync(desk, now)

    def placed(self, call_id: str) -> list[OutboundEffect]:
        """The phone placed the item's call."""
        if self.phase is DialerPhase.DIALING:
            self.phase, self.call_id = DialerPhase.ON_CALL, call_id
        return []

    def dial_failed(self) -> list[OutboundEffect]:
        """The phone could not place the item's call: the item goes back."""
        if self.phase is not DialerPhase.DIALING:
            return []
        return [self._release(DIAL_FAILED)]

    def call_answered(self, call_id: str) -> None:
        """The item's call was answered by the customer."""
        if self.phase is DialerPhase.ON_CALL and call_id == self.call_id:
            self.answered = True

    def call_ended(self, call_id: str) -> list[OutboundEffect]:
        """A call ended: when it was the item's, the agent is asked for the outcome."""
        if self.phase is DialerPhase.ON_CALL and call_id == self.call_id:
            self.phase = DialerPhase.OUTCOME
        return []

    # ---- the agent's intents ------------------------------------------------------------------

    def accept(self, desk: DeskView) -> list[OutboundEffect]:
        """Dial the offered item now (only while the desk is still free)."""
        if self.phase is not DialerPhase.OFFERED:
            return []
        if not desk_free(desk):
            return [self._release(self._why_not(desk))]
        return self._dial()

    def skip(self, reason: str) -> list[OutboundEffect]:
        """Give the offered item back (`reason` goes with it); it is not offered again this session."""
        if self.phase is not DialerPhase.OFFERED or self.item is None:
            return []
        self.skipped.append(self.item.key)
        return [self._release(reason.strip() or "skipped")]

    def finish(self, outcome: Outcome) -> list[OutboundEffect]:
        """The agent's outcome of the item's call: close it, or reschedule it (`retry_at`)."""
        if self.phase is not DialerPhase.OUTCOME or self.item is None:
            return []
        effect = SaveOutcome(self.item, Outcome(outcome.code, outcome.note, self.call_id, outcome.retry_at))
        self._clear()
        return [self._sending(effect)]

    def pause(self) -> list[OutboundEffect]:
        """The agent wants no outbound work for now (an offer is returned)."""
        self.paused, self.expired = True, None
        if self.phase is DialerPhase.OFFERED:
            return [self._release(PAUSED)]
        return []

    def resume(self, now: float) -> list[OutboundEffect]:
        """Outbound work again (after a pause or a preview nobody took)."""
        if self.paused:
            self.paused, self.next_fetch, self.expired = False, now, None
        return []

    # ---- what the preview shows ---------------------------------------------------------------

    def seconds_left(self, now: float) -> int | None:
        """The countdown on the preview (None: nothing offered)."""
        if self.phase is not DialerPhase.OFFERED or self.deadline is None:
            return None
        return max(0, int(self.deadline - now + 0.999))

    # ---- inside -------------------------------------------------------------------------------

    def _dial(self) -> list[OutboundEffect]:
        assert self.item is not None
        self.phase, self.deadline = DialerPhase.DIALING, None
        return [DialItem(self.item)]

    def _release(self, reason: str) -> ReleaseItem:
        assert self.item is not None
        effect = ReleaseItem(self.item, reason)
        self._clear()
        return self._sending(effect)

    def _sending(self, effect: Written) -> Written:
        self.writing += 1
        return effect

    def _clear(self) -> None:
        self.phase, self.item, self.deadline, self.call_id, self.answered = (
            DialerPhase.IDLE, None, None, None, False)

    @staticmethod
    def _why_not(desk: DeskView) -> str:
        if desk.ringing_id is not None:
            return INBOUND_CALL
        return NOT_READY
