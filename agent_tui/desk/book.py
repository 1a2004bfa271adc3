"""The desk model's state, as the UI reads it: the contact book, the agent state, the wrap-ups waiting.

`DeskModel` (model.py) adds the rules that change it; what is here only reads.
"""

from __future__ import annotations

from agent_tui.desk.calls import CallPhase, CallSession, PendingTicket
from agent_tui.desk.clock import DeskClock
from agent_tui.desk.effects import Effect
from agent_tui.desk.rules import DeskRules
from agent_tui.desk.stats import AgentStatus
from agent_tui.desk.wrapup import PendingWrapUp, WrapUp
from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.figures import HandlingSums
from agent_tui.domain.ticket import TicketCreate

StateWithReason = tuple[AgentStateName, str | None]
DETAILED_CALLS = 50
"""Finished calls that keep their full lookup (matches, last case, tickets, notices: ~12 KB each);
older ones keep only what the call history shows, so a long shift does not grow the desk's memory."""
HISTORY_CALLS = 500
"""Calls kept for this session's call history at all; today's figures are running totals (HandlingSums)."""


class DeskBook:
    """What one desk holds: its contacts, its state, its wrap-ups and today's figures."""

    def __init__(self, rules: DeskRules | None = None, clock: DeskClock | None = None) -> None:
        self.rules = rules or DeskRules()
        self.clock = clock or DeskClock()
        self.calls: dict[str, CallSession] = {}
        """This session's contacts by id, oldest first."""
        self.active_id: str | None = None
        """The call the agent is talking on (or dialing)."""
        self.ringing_id: str | None = None
        """The call ringing now (a waiting call when another is up)."""
        self.last_ended_id: str | None = None
        """The last finished call (the one the card and the wrap-up are about)."""
        self.status = AgentStatus(since=self.clock.monotonic())
        self.next_state: StateWithReason | None = None
        """A state chosen during a call ("Not Ready after this call"), taken when after-call work ends."""
        self.before_ringing: StateWithReason | None = None
        """The state a ring interrupted (back to it when the ring ends unanswered)."""
        self.offline_from: StateWithReason | None = None
        """The state the phone going offline replaced (restored when it is back)."""
        self.phone_ok: bool | None = None
        self.unsynced: dict[str, CallSession] = {}
        """Calls with a work order not yet confirmed by the outbox (the only ones a link report visits)."""
        self.wrapups: dict[str, PendingWrapUp] = {}
        """Wrap-ups not saved yet, by call id (a call's entry is made at its end, or when the agent
        starts its wrap-up early); after-call work lasts while one of an ended call is here."""
        self.early: dict[str, WrapUp] = {}
        """Wrap-ups saved before their call ended: sent with the call's final record at its end."""
        self.acw_since: float | None = None
        """When after-call work began (monotonic seconds)."""
        self.acw_overrun_told = False
        self.stats = HandlingSums()
        self._held: list[AgentStateChange] | None = None
        self._out: list[Effect] = []

    # ---- reading ------------------------------------------------------------------------------

    @property
    def active(self) -> CallSession | None:
        """The call being talked on."""
        return self.calls.get(self.active_id) if self.active_id else None

    @property
    def ringing(self) -> CallSession | None:
        """The call ringing now."""
        return self.calls.get(self.ringing_id) if self.ringing_id else None

    @property
    def focus_call(self) -> CallSession | None:
        """The call the card is about: the active one, else the ringing one, else the last ended."""
        for call_id in (self.active_id, self.ringing_id, self.last_ended_id):
            if call_id and call_id in self.calls:
                return self.calls[call_id]
        return None

    def live_calls(self) -> list[CallSession]:
        """Calls not over yet (ringing, dialing, talking, held)."""
        return [c for c in self.calls.values() if c.phase is not CallPhase.ENDED]

    def unsaved(self) -> list[PendingWrapUp]:
        """Wrap-ups of ended calls still to be saved, oldest first."""
        return [w for w in self.wrapups.values()
                if (c := self.calls.get(w.call_id)) is not None and c.phase is CallPhase.ENDED]

    def acw_left_s(self) -> float | None:
        """Seconds of time-boxed after-call work left (negative once over), None when not time-boxed."""
        if self.acw_since is None or self.rules.acw_mode != "timeboxed":
            return None
        return self.rules.acw_seconds - (self.clock.monotonic() - self.acw_since)

    def acw_used_s(self) -> float:
        """Seconds in after-call work so far."""
        return self.clock.monotonic() - self.acw_since if self.acw_since is not None else 0.0

    def wrapup_call(self) -> CallSession | None:
        """The call F10 wraps up: the oldest unsaved ended one, else the last ended, else the active."""
        for pending in self.unsaved():
            return self.calls[pending.call_id]
        last = self.calls.get(self.last_ended_id) if self.last_ended_id else None
        if last is not None and not last.wrapped_up and last.answered:
            return last
        return self.active

    def wrapup_values(self, call_id: str) -> WrapUp:
        """What was typed so far for `call_id`'s wrap-up (the defaults when nothing)."""
        pending = self.wrapups.get(call_id)
        return pending.values if pending is not None else self.early.get(call_id, WrapUp())

    def state_change(self, state: AgentStateName, reason: str | None) -> AgentStateChange:
        """The state change to send, with the fields of the call it is about."""
        if state == AgentStateName.RINGING:
            call = self.ringing or self.active
        elif state == AgentStateName.ON_CALL:
            call = self.active or self.ringing
        elif state == AgentStateName.ACW:
            pending = self.unsaved()
            call = self.calls[pending[0].call_id] if pending else None
        else:
            call = None
        if call is None:
            return AgentStateChange(state=state, reason=reason)
        customer_id = call.known_customer_id or call.customer_id_hint
        return AgentStateChange(
            state=state, reason=reason, call_id=call.call_id[:128], call_number=call.number[:200] or None,
            customer_id=customer_id, queue=call.queue[:200] or None,
            on_hold=state == AgentStateName.ON_CALL and call.phase is CallPhase.HELD)


    # ---- bounds and work orders ---------------------------------------------------------------

    def trim(self) -> list[str]:
        """Bound what the session keeps: old finished calls drop their lookup detail, then go entirely
        (their ids are returned). Live calls, calls still to wrap up and calls with work orders not yet
        synced are never touched."""
        keep = {self.active_id, self.ringing_id, self.last_ended_id, *self.unsynced, *self.wrapups,
                *self.early}
        active = self.active
        if active is not None:
            keep.add(active.consult_call_id)
        finished = [c for c in self.calls.values() if c.phase is CallPhase.ENDED and c.call_id not in keep]
        excess = len(self.calls) - HISTORY_CALLS
        dropped = [c.call_id for c in finished[:max(excess, 0)]]
        for call_id in dropped:
            del self.calls[call_id]
        for session in finished[max(excess, 0):max(len(finished) - DETAILED_CALLS, 0)]:
            session.summarize()
        return dropped

    def ticket_queued(self, session: CallSession, reference: str, ticket: TicketCreate) -> None:
        """A work order of `session` went into the outbox: pending until the backend confirms it."""
        session.tickets.append(PendingTicket(reference, ticket, synced=False))
        self.unsynced[session.call_id] = session

    def link_report(self, online: bool, queued: int, delivered: str | None) -> bool:
        """The outbox reported: mark the work orders it delivered synced; True when one changed.
        An online link with an empty queue has delivered everything queued before it."""
        changed = False
        for session in list(self.unsynced.values()):
            for pending in session.tickets:
                if not pending.synced and ((online and queued == 0) or pending.reference == delivered):
                    pending.synced = True
                    changed = True
            if all(pending.synced for pending in session.tickets):
                del self.unsynced[session.call_id]
        return changed
