"""The desk model: the contact book, the agent state machine and after-call work, with no UI.

Events come in (`apply`: phone events, clock ticks, lookup answers) and so do the agent's intents (the
public methods: `answer`, `hang_up`, `set_not_ready`...); each returns the effects to carry out (state
and call records to write through the outbox, phone commands, lookups to start, what to tell the agent,
panels to open or close). The state the UI renders is read from the model's attributes.

The rules, each written once here:
- No call is offered while a wrap-up is unsaved: Ready is never sent while one is pending; after-call
  work ends only when every wrap-up is saved, and what the agent typed is saved when the time runs out
  (`acw_expiry = "save"`) or the agent stays in after-call work until it is saved (`"stay"`).
- Not Ready chosen (or forced) during a ring, a call or after-call work waits as "after this call"
  (`next_state`) and is taken when the wrap-up is done, instead of Ready.
- A ring that ends unanswered while the agent was Ready is a missed call: Not Ready when configured.
- State changes made while a screen pop is on its way are held and sent once the card is painted
  (`pop_painted`), or before any other write, in order: the pop is not delayed by the journal's fsync.
- Every answered call gets exactly one final call record (wrap-up saved, or none needed).
"""

from __future__ import annotations

from typing import Any

from agent_tui.desk.book import DeskBook
from agent_tui.desk.calls import CallPhase, CallSession, LookupState, is_training_call
from agent_tui.desk.effects import (
    CloseWrapup,
    Effect,
    Notify,
    OpenWrapup,
    PhoneCommand,
    RaiseRinging,
    RecordCall,
    SendState,
    StartLookup,
)
from agent_tui.desk.events import LookupDone, PhoneHealth, PopPainted, Tick
from agent_tui.desk.rules import MISSED_CALL, PHONE_OFFLINE, TRAINING
from agent_tui.desk.stats import AgentStatus
from agent_tui.desk.wrapup import PendingWrapUp, WrapUp
from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.call import PICKED_UP, Direction
from agent_tui.domain.customer import Customer, LookupMatch, LookupResult
from agent_tui.phone.events import CallEnded, CallState, IncomingCall

CALL_STATES = (AgentStateName.RINGING, AgentStateName.ON_CALL, AgentStateName.ACW)


class DeskModel(DeskBook):
    """One agent's desk: its contacts, its state, its wrap-ups and today's figures."""

    # ---- events -------------------------------------------------------------------------------

    def apply(self, event: object) -> list[Effect]:
        """Apply one event (a phone event, a tick, a lookup answer) and return what to do."""
        if isinstance(event, IncomingCall):
            return self.incoming(event)
        if isinstance(event, CallState):
            return self.call_state(event)
        if isinstance(event, CallEnded):
            return self.call_ended(event)
        if isinstance(event, Tick):
            return self.tick()
        if isinstance(event, LookupDone):
            return self.lookup_done(event.call_id, event.result, event.error)
        if isinstance(event, PhoneHealth):
            return self.phone_health(event.ok)
        if isinstance(event, PopPainted):
            return self.pop_painted()
        return self._done()

    def start(self, reason: str = "other") -> list[Effect]:
        """After login: Not Ready until the agent says they are ready."""
        self._set(AgentStateName.NOT_READY, reason)
        return self._done()

    def incoming(self, event: IncomingCall) -> list[Effect]:
        """A call rings: into the book, Ringing (writes held until the card is painted), look it up."""
        session = CallSession(call_id=event.call_id, number=event.number, display=event.display,
                              headers=dict(event.headers), offered_at=event.at)
        self.calls[session.call_id] = session
        self.ringing_id = session.call_id
        if self.active_id is None and not self.unsaved():
            self.last_ended_id = None
        if self._held is None:
            self._held = []
        if self.active_id is None and self.status.state not in CALL_STATES:
            self.before_ringing = (self.status.state, self.status.reason)
            self._set(AgentStateName.RINGING)
        self._out.append(RaiseRinging(session.call_id))
        if self.active_id is not None:
            self._out.append(Notify("Call waiting: {number}", {"number": session.number}, timeout=4))
        self._out.append(StartLookup(session.call_id))
        return self._done()

    def dialed(self, call_id: str, number: str, customer: Customer | None = None) -> list[Effect]:
        """The phone placed an outbound call: it is the active one; the card keeps `customer` when the
        call is to them, else the number is looked up."""
        session = self.calls.get(call_id) or CallSession(call_id=call_id, number=number,
                                                         offered_at=self.clock.wall())
        session.number = number
        session.direction = Direction.OUTBOUND
        if session.phase is CallPhase.RINGING:
            session.phase = CallPhase.DIALING
        self.calls[call_id] = session
        self.active_id = call_id
        if customer is not None:
            session.choose(LookupMatch(customer=customer))
        elif session.lookup is not LookupState.FOUND:
            session.lookup = LookupState.PENDING
            self._out.append(StartLookup(call_id))
        return self._done()

    def pop_painted(self) -> list[Effect]:
        """The ringing call's card is on screen: send the state changes held back meanwhile."""
        self._flush()
        return self._done()

    def lookup_done(self, call_id: str, result: LookupResult | None, error: str = "") -> list[Effect]:
        """The screen-pop lookup of `call_id` answered (`result`) or failed (`error`)."""
        session = self.calls.get(call_id)
        if session is not None:
            if result is None:
                session.lookup = LookupState.FAILED
                session.lookup_error = error
            else:
                session.set_lookup(result)
        return self._done()

    def call_state(self, event: CallState) -> list[Effect]:
        """A call was answered, held or resumed."""
        self._flush()
        session = self.calls.get(event.call_id)
        if session is None:
            if event.direction != "outbound":
                return self._done()
            session = CallSession(call_id=event.call_id, number="", direction=Direction.OUTBOUND,
                                  phase=CallPhase.DIALING, lookup=LookupState.NONE,
                                  offered_at=self.clock.wall())
            self.calls[event.call_id] = session
        now = self.clock.monotonic()
        if event.state in ("confirmed", "resumed"):
            if session.answered_at is None:
                session.answered_at = self.clock.wall()
                self._save_typed(keep=session.call_id)  # a new call ends the wrap-ups still open
            if session.phase is CallPhase.HELD:
                session.end_hold(now)
            session.phase = CallPhase.TALKING
            if self.ringing_id == session.call_id:
                self.ringing_id = None
            active = self.active
            if active is None or session.call_id != active.consult_call_id:
                self.active_id = session.call_id
            self.acw_since = None
            self._set(AgentStateName.ON_CALL)
        elif event.state == "held":
            session.start_hold(now)
        if event.state in ("held", "resumed") and self.active_id == session.call_id \
                and self.status.state == AgentStateName.ON_CALL:
            self._send(self.state_change(self.status.state, self.status.reason))  # its hold mark changed
        return self._done()

    def call_ended(self, event: CallEnded, *, picked_up: bool = False) -> list[Effect]:
        """A call is over; `picked_up`: a supervisor took it while it rang (代接), it is not ours."""
        self._flush()
        session = self.calls.get(event.call_id)
        if session is None or session.phase is CallPhase.ENDED:
            return self._done()
        now = self.clock.monotonic()
        if session.hold_started is not None:
            session.end_hold(now)
        session.phase = CallPhase.ENDED
        session.ended_at = self.clock.wall()
        session.end_reason = event.reason
        if self.ringing_id == session.call_id:
            self.ringing_id = None
        was_active = self.active_id == session.call_id
        if was_active:
            self.active_id = None
        if session.answered:
            self._answered_call_ended(session, picked_up=picked_up)
        elif self.active_id is None and not self.unsaved():
            self.last_ended_id = session.call_id
        if self.live_calls():
            return self._done()
        missed = (not session.answered and session.direction is Direction.INBOUND and not session.rejected
                  and not picked_up)
        if self.unsaved():
            self._enter_acw()
        elif self.next_state is not None or self.status.state in CALL_STATES:
            self._after_call(missed=missed, training=was_active and is_training_call(session),
                             picked_up=picked_up, answered=session.answered)
        return self._done()

    def _answered_call_ended(self, session: CallSession, *, picked_up: bool) -> None:
        if picked_up:
            session.wrapped_up = True
            self._record(session, final=True, disposition=PICKED_UP)
        elif is_training_call(session):
            session.wrapped_up = True  # role-play: no after-call work, the trainer scores it
            self._record(session, final=True)
        elif session.call_id in self.early:
            values = self.early.pop(session.call_id)
            self._finish(session, values, acw_s=0.0)
        else:
            self.last_ended_id = session.call_id
            self._record(session, final=False)
            pending = self.wrapups.get(session.call_id)
            values = pending.values if pending is not None else WrapUp()
            self.wrapups[session.call_id] = PendingWrapUp(
                session.call_id, self.clock.monotonic(), values,
                panel_open=pending.panel_open if pending is not None else False)

    def tick(self) -> list[Effect]:
        """Once a second: time-boxed after-call work runs out."""
        left = self.acw_left_s()
        if self.status.state != AgentStateName.ACW or left is None or left > 0:
            return self._done()
        if self.rules.acw_expiry == "save" or not self.unsaved():
            self._save_typed()
            if not self.live_calls():
                self._leave_acw()
        elif not self.acw_overrun_told:
            self.acw_overrun_told = True
            self._out.append(Notify("After-call work time is over: save the wrap-up (F10).",
                                    severity="warning", timeout=10))
        return self._done()

    def phone_health(self, ok: bool) -> list[Effect]:
        """The phone went offline (Not Ready `phone_offline`) or came back (the state before it)."""
        if ok == self.phone_ok:
            return self._done()
        self.phone_ok = ok
        state, reason = self.status.state, self.status.reason
        if not ok and state in (AgentStateName.READY, AgentStateName.NOT_READY) and reason != PHONE_OFFLINE:
            self.offline_from = (state, reason)
            self._set(AgentStateName.NOT_READY, PHONE_OFFLINE)
            if state == AgentStateName.READY:
                self._out.append(Notify("Phone offline: set Not Ready until it is back.", severity="warning"))
        elif ok and state == AgentStateName.NOT_READY and reason == PHONE_OFFLINE and self.offline_from:
            back, self.offline_from = self.offline_from, None
            self._set(*back)
            if back[0] == AgentStateName.READY:
                self._out.append(Notify("Phone back online: Ready again."))
        return self._done()

    # ---- the agent's intents (and a supervisor's, through the command applier) -----------------

    def answer(self) -> list[Effect]:
        """Answer the ringing call (a call in progress is put on hold first)."""
        ringing = self.ringing
        if ringing is None:
            self._out.append(Notify("Nothing is ringing.", timeout=2))
            return self._done()
        active = self.active
        if active is not None and active.phase is CallPhase.TALKING:
            self._out.append(PhoneCommand("hold", active.call_id))
            active.start_hold(self.clock.monotonic())
        self._out.append(PhoneCommand("answer", ringing.call_id))
        return self._done()

    def reject(self) -> list[Effect]:
        """Refuse the ringing call (the agent's choice: not a missed call)."""
        ringing = self.ringing
        if ringing is not None:
            ringing.rejected = True
            self._out.append(PhoneCommand("reject", ringing.call_id))
        return self._done()

    def hang_up(self) -> list[Effect]:
        """Hang up the active call, or refuse the ringing one when nothing else is up."""
        if self.active is not None:
            self._out.append(PhoneCommand("hangup", self.active.call_id))
            return self._done()
        return self.reject()

    def toggle_hold(self) -> list[Effect]:
        """Put the active call on hold, or take it off hold."""
        active = self.active
        if active is None:
            return self._done()
        if active.phase is CallPhase.HELD:
            self._out.append(PhoneCommand("resume", active.call_id))
        else:
            self._out.append(PhoneCommand("hold", active.call_id))
            active.start_hold(self.clock.monotonic())
        return self._done()

    def toggle_mute(self) -> list[Effect]:
        """Mute or unmute the agent's microphone on the active call."""
        active = self.active
        if active is not None:
            active.muted = not active.muted
            self._out.append(PhoneCommand("mute", active.call_id, active.muted))
        return self._done()

    def set_ready(self) -> list[Effect]:
        """The agent asks to be offered calls (during a call: Ready after it, not Not Ready)."""
        supervisor = self.next_state if self.next_by_supervisor else None
        if self.live_calls():
            if self.next_state is not None and supervisor is None:
                self.next_state = None
                self._out.append(Notify("Ready after this call."))
            return self._done()
        if self.phone_ok is False:
            self._out.append(Notify("The phone is offline; you stay Not Ready.", severity="warning"))
            return self._done()
        if self.unsaved():
            if self.rules.acw_mode == "mandatory" or (
                    self.rules.acw_mode == "timeboxed" and self.rules.acw_expiry == "stay"):
                self._out.append(Notify("Wrap up the call first (F10).", severity="warning"))
                return self._done()
            self._save_typed()
        self.next_state = None
        self.offline_from = None
        self.acw_since = None
        self._set(*(supervisor or (AgentStateName.READY, None)))  # a supervisor's pending state wins
        return self._done()

    def set_not_ready(self, reason: str) -> list[Effect]:
        """Not Ready with `reason`: now when idle, else "Not Ready after this call"."""
        return self.force_state(AgentStateName.NOT_READY, reason, by_agent=True)

    def force_ready(self) -> list[Effect]:
        """A supervisor's Ready: now when idle, else after the current call and its wrap-up."""
        return self.force_state(AgentStateName.READY, None)

    def force_state(self, state: AgentStateName, reason: str | None, *,
                    by_agent: bool = False) -> list[Effect]:
        """Set `state` now when no call is up or waiting for its wrap-up, else after the call."""
        if self.live_calls() or self.unsaved():
            if by_agent and self.next_by_supervisor and self.next_state is not None:
                return self._done()  # the supervisor's state after this call stands
            self.next_state = (state, reason if state == AgentStateName.NOT_READY else None)
            self.next_by_supervisor = False
            if by_agent:
                self._out.append(Notify("Not Ready after this call."))
            return self._done()
        self.offline_from = None
        self._set(state, reason)
        return self._done()

    def set_state(self, state: AgentStateName, reason: str | None = None) -> list[Effect]:
        """Set the state as told (training status, the legacy supervisor path); Ready still waits for
        the wrap-ups."""
        if state == AgentStateName.READY and self.unsaved():
            self.next_state = (state, None)
            return self._done()
        self._set(state, reason)
        return self._done()

    def open_wrapup(self, call_id: str) -> list[Effect]:
        """The wrap-up panel of `call_id` is on screen (an early wrap-up of a live call starts here)."""
        pending = self.wrapups.get(call_id)
        if pending is None:
            if call_id not in self.calls or self.calls[call_id].wrapped_up:
                return self._done()
            pending = self.wrapups[call_id] = PendingWrapUp(call_id, self.clock.monotonic(),
                                                             self.early.pop(call_id, WrapUp()))
        pending.panel_open = True
        return self._done()

    def edit_wrapup(self, call_id: str, values: WrapUp) -> list[Effect]:
        """What the agent typed so far (saved as it is if the time runs out)."""
        pending = self.wrapups.get(call_id)
        if pending is not None:
            pending.values = values
        return self._done()

    def cancel_wrapup(self, call_id: str) -> list[Effect]:
        """The panel closed without saving: what was typed stays for the next F10."""
        pending = self.wrapups.get(call_id)
        if pending is not None:
            pending.panel_open = False
        return self._done()

    def save_wrapup(self, call_id: str, values: WrapUp) -> list[Effect]:
        """The agent saved the wrap-up: the final call record, today's figures, and ACW ends."""
        session = self.calls.get(call_id)
        if session is None or session.wrapped_up:
            return self._done()
        pending = self.wrapups.pop(call_id, None)
        if session.phase is not CallPhase.ENDED:
            self.early[call_id] = values  # noted during the call: sent with the record at its end
            return self._done()
        acw = self.clock.monotonic() - pending.started if pending is not None else 0.0
        self._finish(session, values, acw_s=acw)
        if pending is not None and pending.panel_open:
            self._out.append(CloseWrapup(call_id))
        if self.status.state == AgentStateName.ACW and not self.unsaved() and not self.live_calls():
            self._leave_acw()
        return self._done()

    # ---- inside -------------------------------------------------------------------------------

    def _finish(self, session: CallSession, values: WrapUp, acw_s: float) -> None:
        session.wrapped_up = True
        self._record(session, final=True, acw_s=acw_s, **values.record_fields())
        self.stats.add(session.talk_s(), session.hold_s, acw_s, values.resolved)

    def _save_typed(self, keep: str | None = None) -> None:
        """Save every ended call's wrap-up as typed so far (time ran out, or a new call was answered)."""
        for pending in self.unsaved():
            if pending.call_id == keep:
                continue
            self.wrapups.pop(pending.call_id, None)
            session = self.calls[pending.call_id]
            values = pending.values
            if not values.typed:  # nothing was judged: no first-call-resolved claim from a default
                values = WrapUp(resolved=None)
            self._finish(session, values, self.clock.monotonic() - pending.started)
            if pending.panel_open:
                self._out.append(CloseWrapup(pending.call_id))

    def _enter_acw(self) -> None:
        if self.status.state != AgentStateName.ACW:
            self.acw_since = self.clock.monotonic()
            self.acw_overrun_told = False
            self._set(AgentStateName.ACW)
        if self.rules.acw_mode != "optional":
            pending = self.unsaved()[0]
            if not pending.panel_open:
                self._out.append(OpenWrapup(pending.call_id))

    def _leave_acw(self) -> None:
        self.acw_since = None
        if self.next_state is not None:
            state, reason = self.next_state
            self.next_state = None
        elif self.rules.auto_ready_after_acw:
            state, reason = AgentStateName.READY, None
        else:
            state, reason = AgentStateName.NOT_READY, "other"
        self._go(state, reason)

    def _after_call(self, *, missed: bool, training: bool, picked_up: bool, answered: bool) -> None:
        """No call left and no wrap-up to do: the state after a ring or a call."""
        before, self.before_ringing = self.before_ringing, None
        if training:
            self._go(AgentStateName.NOT_READY, TRAINING)
        elif self.next_state is not None:
            state, reason = self.next_state
            self.next_state = None
            self._go(state, reason)
        elif self.status.state == AgentStateName.ACW or (answered and not picked_up):
            self._leave_acw()
        elif (missed and self.rules.missed_call_not_ready and before is not None
              and before[0] == AgentStateName.READY):
            self._go(AgentStateName.NOT_READY, MISSED_CALL)
            self._out.append(Notify("Missed call: you are Not Ready until you choose Ready.",
                                    severity="warning", timeout=10))
        else:
            self._go(*(before or (AgentStateName.READY, None)))

    def _go(self, state: AgentStateName, reason: str | None) -> None:
        """Take `state`, unless it is Ready and the phone is down (Not Ready until it is back)."""
        if state == AgentStateName.READY and self.phone_ok is False:
            self.offline_from = (state, reason)
            state, reason = AgentStateName.NOT_READY, PHONE_OFFLINE
        self._set(state, reason)

    def _set(self, state: AgentStateName, reason: str | None = None) -> None:
        reason = reason if state == AgentStateName.NOT_READY else None
        if state == AgentStateName.READY and self.unsaved():
            self.next_state = (state, None)  # the last guard: no call is offered before the wrap-up
            return
        if state == self.status.state and reason == self.status.reason:
            return
        if state != AgentStateName.ACW:
            self.acw_since = None
        self.status = AgentStatus(state=state, reason=reason, since=self.clock.monotonic())
        self._send(self.state_change(state, reason))

    def _send(self, change: AgentStateChange) -> None:
        if self._held is not None:
            self._held.append(change)
        else:
            self._out.append(SendState(change))

    def _record(self, session: CallSession, *, final: bool, acw_s: float = 0.0, **wrapup: Any) -> None:
        self._flush()
        record = session.to_record(self.rules.username, acw_s=acw_s, mono=self.clock.monotonic(),
                                   wrapup=wrapup)
        record = record.model_copy(update={"ticket_ids": [], "training": is_training_call(session)})
        self._out.append(RecordCall(record, final=final))

    def _flush(self) -> None:
        held, self._held = self._held, None
        for change in held or ():
            self._out.append(SendState(change))

    def flush(self) -> list[Effect]:
        """Send the held state changes now (before another write of the UI's own)."""
        self._flush()
        return self._done()

    def _done(self) -> list[Effect]:
        out, self._out = self._out, []
        return out

