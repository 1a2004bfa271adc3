"""The desk model under random event orders (hypothesis `RuleBasedStateMachine`), no Textual.

Rings, answers, hang-ups by either side, rings that end unanswered, holds, ticks past the ACW limit,
Not Ready during calls, wrap-up open/edit/save/cancel, a second ring during wrap-up, lookups, drafts,
the phone going down and up, supervisor force commands. The UI side is played the way the desk plays
it: a wrap-up panel makes way for a ring (`RaiseRinging`) and opens when asked (`OpenWrapup`).

Invariants: no Ready is sent while an ended call's wrap-up is unsaved; every answered call ends with
exactly one final call record; a draft is never filed for another customer; the states sent to the
backend follow the local state; a pending Not Ready is taken after the wrap-up.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from agent_tui.desk.calls import CallPhase
from agent_tui.desk.drafts import ticket_owner
from agent_tui.desk.effects import (
    CloseWrapup,
    Effect,
    OpenWrapup,
    PhoneCommand,
    RaiseRinging,
    RecordCall,
    SendState,
)
from agent_tui.desk.events import Tick
from agent_tui.desk.rules import PHONE_OFFLINE, AcwExpiry, AcwMode
from agent_tui.desk.supervised import force, situation
from agent_tui.desk.supervisor import SetState, SetStateAfterCall, decide, parse_command
from agent_tui.desk.wrapup import WrapUp
from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.customer import Customer, LookupMatch, LookupResult
from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.ticket import TicketCreate, TicketType
from agent_tui.phone.events import CallEnded, CallState, CallStateName, IncomingCall
from tests.desk.harness import Desk

WHEN = datetime(2026, 1, 5, tzinfo=UTC)
REASONS = st.sampled_from(["break", "meal", "meeting"])


@dataclass
class Draft:
    draft_id: str
    call_id: str | None
    customer_id: int | None


def customer(customer_id: int) -> Customer:
    return Customer(id=customer_id, account=f"{customer_id:08d}", name=f"C{customer_id}",
                    phones=[f"139{customer_id:08d}"], created_at=WHEN, updated_at=WHEN)


class DeskMachine(RuleBasedStateMachine):
    """One desk, random events, the UI's side played by the rules below."""

    desk: Desk

    @initialize(mode=st.sampled_from(["optional", "mandatory", "timeboxed"]),
                expiry=st.sampled_from(["save", "stay"]), auto_ready=st.booleans(), missed=st.booleans())
    def start(self, mode: AcwMode, expiry: AcwExpiry, auto_ready: bool, missed: bool) -> None:
        self.desk = Desk(acw_mode=mode, acw_seconds=30, acw_expiry=expiry, auto_ready_after_acw=auto_ready,
                         missed_call_not_ready=missed)
        self.seen: list[Effect] = list(self.desk.effects)
        self.next_id = 0
        self.final = Counter[str]()
        self.panel: str | None = None
        self.drafts: list[Draft] = []
        self.expected_next: str | None = None
        self.commands = 0
        self.next_ticket = 0
        self.run(self.desk.model.set_ready())

    # ---- playing the UI -------------------------------------------------------------------------

    def run(self, effects: list[Effect]) -> None:
        """Take effects as the desk does, checking the Ready rule at the moment each is emitted."""
        model = self.desk.model
        for effect in effects:
            self.seen.append(effect)
            if isinstance(effect, RecordCall) and effect.final:
                self.final[effect.record.call_id] += 1
            elif isinstance(effect, SendState) and effect.change.state == AgentStateName.READY:
                waiting = [c.call_id for c in model.calls.values()
                           if c.phase is CallPhase.ENDED and c.answered and self.final[c.call_id] == 0]
                assert not waiting, f"Ready sent while {waiting} wait for their wrap-up"
            elif isinstance(effect, RaiseRinging) and self.panel is not None:
                panel, self.panel = self.panel, None
                more = model.cancel_wrapup(panel)  # the panel makes way; what was typed stays
                self.run(more)
            elif isinstance(effect, OpenWrapup) and model.ringing is None:
                self.panel = effect.call_id
                self.run(model.open_wrapup(effect.call_id))
            elif isinstance(effect, CloseWrapup) and self.panel == effect.call_id:
                self.panel = None

    def live(self) -> list[str]:
        return [c.call_id for c in self.desk.model.live_calls()]

    # ---- rules --------------------------------------------------------------------------------

    @precondition(lambda self: len(self.live()) < 3)
    @rule()
    def ring(self) -> None:
        self.next_id += 1
        call_id = f"c{self.next_id}"
        model = self.desk.model
        effects = model.apply(IncomingCall(call_id=call_id, number=f"1390000{self.next_id:04d}", display="",
                                           headers={}, remote_uri="sip:x@pbx", at=WHEN))
        assert RaiseRinging(call_id) in effects
        self.run(effects)

    @precondition(lambda self: len(self.live()) < 3 and self.desk.model.active is None)
    @rule(answered=st.booleans())
    def agent_dials(self, answered: bool) -> None:
        self.next_id += 1
        call_id = f"c{self.next_id}"
        model = self.desk.model
        self.run(model.dialed(call_id, f"1380000{self.next_id:04d}"))
        if answered:
            self.run(model.apply(CallState(call_id=call_id, state="confirmed", direction="outbound")))

    @precondition(lambda self: self.desk.model.ringing is not None)
    @rule()
    def card_painted(self) -> None:
        self.run(self.desk.model.pop_painted())

    @precondition(lambda self: self.desk.model.ringing is not None)
    @rule()
    def answer(self) -> None:
        model = self.desk.model
        ringing = model.ringing
        assert ringing is not None
        self.run(model.answer())
        self.run(model.apply(CallState(call_id=ringing.call_id, state="confirmed")))

    @precondition(lambda self: self.desk.model.ringing is not None and self.desk.model.active is None)
    @rule()
    def supervisor_picks_up(self) -> None:
        model = self.desk.model
        ringing = model.ringing
        assert ringing is not None
        self.run(model.apply(CallState(call_id=ringing.call_id, state="confirmed")))
        ended = CallEnded(call_id=ringing.call_id, reason="transferred", code=200, duration_s=1)
        self.run(model.call_ended(ended, picked_up=True))
        assert ringing.call_id not in model.wrapups  # not the agent's call: no wrap-up

    @precondition(lambda self: self.desk.model.ringing is not None)
    @rule()
    def ring_ends_unanswered(self) -> None:
        ringing = self.desk.model.ringing
        assert ringing is not None
        self.run(self.desk.model.apply(CallEnded(call_id=ringing.call_id, reason="unanswered", code=487,
                                                 duration_s=0)))

    @precondition(lambda self: bool(self.live()))
    @rule()
    def agent_hangs_up(self) -> None:
        model = self.desk.model
        effects = model.hang_up()
        self.run(effects)
        for command in effects:
            if isinstance(command, PhoneCommand) and command.command in ("hangup", "reject"):
                ended = CallEnded(call_id=command.call_id, reason="BYE", code=200, duration_s=0)
                self.run(model.apply(ended))

    @precondition(lambda self: bool(self.live()))
    @rule(data=st.data())
    def caller_hangs_up(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(self.live()))
        self.run(self.desk.model.apply(CallEnded(call_id=call_id, reason="BYE", code=200, duration_s=0)))

    @precondition(lambda self: self.desk.model.active is not None)
    @rule()
    def hold_or_resume(self) -> None:
        model = self.desk.model
        effects = model.toggle_hold()
        self.run(effects)
        for command in effects:
            if isinstance(command, PhoneCommand) and command.command in ("hold", "resume"):
                state: CallStateName = "held" if command.command == "hold" else "resumed"
                self.run(model.apply(CallState(call_id=command.call_id, state=state)))

    @rule(seconds=st.sampled_from([1, 5, 29, 31, 90]))
    def time_passes(self, seconds: int) -> None:
        self.desk.clock.advance(seconds)
        self.run(self.desk.model.apply(Tick()))

    def supervisor_pending(self) -> bool:
        """A state a supervisor forced during a call waits (the agent's choice does not replace it)."""
        model = self.desk.model
        return model.next_by_supervisor and model.next_state is not None

    @rule(reason=REASONS)
    def agent_not_ready(self, reason: str) -> None:
        model = self.desk.model
        busy = bool(model.live_calls() or model.unsaved())
        kept = busy and self.supervisor_pending()
        self.run(model.set_not_ready(reason))
        if not kept:
            self.expected_next = reason if busy else None

    @rule()
    def agent_ready(self) -> None:
        if not self.supervisor_pending():
            self.expected_next = None
        self.run(self.desk.model.set_ready())

    @rule(ready=st.booleans(), reason=REASONS, during_call=st.booleans())
    def supervisor_forces(self, ready: bool, reason: str, during_call: bool) -> None:
        """As desks and ghosts take it: the command event, `decide`, then `supervised.force`."""
        model = self.desk.model
        self.commands += 1
        data = {"state": "ready"} if ready else {"state": "not_ready", "reason": reason}
        event = Event(id=self.commands, kind=EventKind.COMMAND, at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
                      target="agent1", data={"command": "force_state", "data": {**data, "by": "sup01"}})
        command = parse_command(event, "agent1")
        assert command is not None
        busy = bool(model.live_calls() or model.unsaved())
        for intent in decide(command, situation(model, phone_online=model.phone_ok)).intents:
            assert isinstance(intent, SetState | SetStateAfterCall)
            self.run(force(model, intent))
            self.expected_next = None if ready or not busy else reason

    @rule(ok=st.booleans())
    def phone_health(self, ok: bool) -> None:
        self.run(self.desk.model.phone_health(ok))

    @rule(data=st.data())
    def lookup_answers(self, data: st.DataObject) -> None:
        calls = list(self.desk.model.calls)
        if not calls:
            return
        call_id = data.draw(st.sampled_from(calls))
        found = data.draw(st.integers(min_value=1, max_value=5))
        answer = LookupResult(matches=[LookupMatch(customer=customer(found))])
        self.run(self.desk.model.lookup_done(call_id, answer))

    @precondition(lambda self: self.panel is None and self.desk.model.ringing is None)
    @rule()
    def open_wrapup(self) -> None:
        call = self.desk.model.wrapup_call()
        if call is not None and not call.wrapped_up:
            self.panel = call.call_id
            self.run(self.desk.model.open_wrapup(call.call_id))

    @precondition(lambda self: self.panel is not None)
    @rule(notes=st.text(max_size=5), disposition=st.sampled_from([None, "resolved", "callback"]))
    def type_in_wrapup(self, notes: str, disposition: str | None) -> None:
        assert self.panel is not None
        self.run(self.desk.model.edit_wrapup(self.panel, WrapUp(disposition=disposition, notes=notes)))

    @precondition(lambda self: self.panel is not None)
    @rule(save=st.booleans())
    def close_wrapup(self, save: bool) -> None:
        assert self.panel is not None
        panel, self.panel = self.panel, None
        model = self.desk.model
        if save:
            self.run(model.save_wrapup(panel, WrapUp(disposition="resolved", notes="saved")))
        else:
            self.run(model.cancel_wrapup(panel))

    @rule()
    def start_draft(self) -> None:
        focus = self.desk.model.focus_call
        if focus is not None:
            self.drafts.append(Draft(f"d{len(self.drafts)}", focus.call_id,
                                     focus.customer.id if focus.customer else None))

    @precondition(lambda self: bool(self.drafts))
    @rule(data=st.data())
    def file_draft(self, data: st.DataObject) -> None:
        run = data.draw(st.sampled_from(self.drafts))
        self.drafts.remove(run)
        model = self.desk.model
        owner = ticket_owner(run, model.focus_call)
        assert owner.call_id == run.call_id
        own = model.calls.get(run.call_id) if run.call_id else None
        allowed = {run.customer_id, own.customer.id if own is not None and own.customer else None}
        assert owner.customer_id in allowed, "a draft filed for another customer"

    @rule(data=st.data())
    def work_order_queued(self, data: st.DataObject) -> None:
        calls = list(self.desk.model.calls.values())
        if not calls:
            return
        session = data.draw(st.sampled_from(calls))
        self.next_ticket += 1
        ticket = TicketCreate(ticket_type=TicketType.REPAIR, subject="No power", call_id=session.call_id)
        self.desk.model.ticket_queued(session, f"t{self.next_ticket}", ticket)

    @rule(online=st.booleans(), queued=st.integers(min_value=0, max_value=2), data=st.data())
    def backend_acks(self, online: bool, queued: int, data: st.DataObject) -> None:
        delivered = data.draw(st.sampled_from([None, *[f"t{n}" for n in range(1, self.next_ticket + 1)]]))
        self.desk.model.link_report(online, queued, delivered)

    @rule()
    def history_trimmed(self) -> None:
        model = self.desk.model
        keep = {*self.live(), *model.wrapups, *model.unsynced}
        model.trim()
        assert keep <= set(model.calls), "a live call, an unsaved wrap-up or an unsynced order was dropped"

    # ---- invariants ---------------------------------------------------------------------------

    @invariant()
    def one_final_record_per_answered_call(self) -> None:
        model = self.desk.model
        assert all(count == 1 for count in self.final.values()), self.final
        for call in model.calls.values():
            if call.phase is CallPhase.ENDED and call.answered:
                assert self.final[call.call_id] == 1 or call.call_id in model.wrapups, call.call_id

    @invariant()
    def sent_states_follow_the_local_state(self) -> None:
        model = self.desk.model
        self.run(model.flush())
        sent = [e.change for e in self.seen if isinstance(e, SendState)]
        assert sent, "no state sent"
        assert (sent[-1].state, sent[-1].reason) == (model.status.state, model.status.reason)

    @invariant()
    def pending_not_ready_is_taken_after_the_wrap_up(self) -> None:
        model = self.desk.model
        if self.expected_next is None or model.live_calls() or model.unsaved():
            return
        state, reason = model.status.state, model.status.reason
        assert state == AgentStateName.NOT_READY, (state, reason)
        assert reason in (self.expected_next, PHONE_OFFLINE), (state, reason)
        self.expected_next = None

    @invariant()
    def unsynced_holds_only_calls_with_orders_not_yet_confirmed(self) -> None:
        for session in self.desk.model.unsynced.values():
            assert any(not t.synced for t in session.tickets)

    @invariant()
    def acw_only_while_a_wrap_up_waits(self) -> None:
        model = self.desk.model
        if model.status.state == AgentStateName.ACW:
            assert model.unsaved() or model.live_calls()


DeskMachine.TestCase.settings = settings(max_examples=600, stateful_step_count=30, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])
TestDeskMachine = DeskMachine.TestCase
