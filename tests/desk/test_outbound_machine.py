"""The outbound dialer beside a real desk model under random event orders (hypothesis), no Textual.

Inbound rings during a preview or while the next item is on its way, answers, hang-ups, wrap-ups saved
or left open, Ready and Not Ready, countdowns running out in both modes, skips, pauses, dials that fail,
item calls answered or not, outcomes.

The backend goes down and comes back at any moment: while it is down the outbox delivers nothing and
asking for an item fails, and the desk goes on taking inbound calls.

Invariants: an item is dialled only while the agent is Ready with nothing ringing, up or unsaved; an
offer never stands beside a ringing call or a wrap-up; every item handed to the dialer ends exactly once
(released or its outcome saved) and the dialer holds at most one; only one fetch is out at a time; no
item is asked for while a release or an outcome is in the outbox, and once the last is delivered a free
desk asks again (dialing resumes).
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from agent_tui.desk.effects import Effect
from agent_tui.desk.events import Tick
from agent_tui.desk.outbound import (
    DialerPhase,
    DialItem,
    FetchNext,
    OutboundDialer,
    OutboundEffect,
    OutboundItem,
    OutboundMode,
    Outcome,
    ReleaseItem,
    SaveOutcome,
    desk_free,
)
from agent_tui.desk.wrapup import WrapUp
from agent_tui.phone.events import CallEnded, CallState, IncomingCall
from tests.desk.harness import Desk
from tests.desk.test_model_machine import WHEN


class OutboundMachine(RuleBasedStateMachine):
    """One desk and its dialer; the UI's side (fetching, dialling) played by the rules."""

    @initialize(mode=st.sampled_from(["preview", "progressive"]), preview=st.sampled_from([0, 5, 15]),
                acw=st.sampled_from(["optional", "mandatory"]))
    def start(self, mode: OutboundMode, preview: int, acw: str) -> None:
        self.desk = Desk(acw_mode=acw)
        self.dialer = OutboundDialer(mode=mode, preview_s=preview, poll_s=10)
        self.fetch_out = False
        self.writes_out = 0
        """Releases and outcomes in the outbox, not delivered yet."""
        self.down = False
        """The backend is down: the outbox delivers nothing, asking for an item fails."""
        self.dial_out: OutboundItem | None = None
        self.handed = 0
        self.ended = Counter[str]()
        self.next_id = 0
        self.desk_run(self.desk.model.set_ready())

    # ---- playing the UI -----------------------------------------------------------------------

    def now(self) -> float:
        return self.desk.clock.seconds

    def desk_run(self, effects: list[Effect]) -> None:
        """The desk's effects, then the dialer looks at the desk again (as the desk screen does)."""
        self.desk.run(effects)
        self.out(self.dialer.sync(self.desk.model, self.now()))

    def out(self, effects: list[OutboundEffect]) -> None:
        for effect in effects:
            if isinstance(effect, FetchNext):
                assert not self.fetch_out, "a second fetch while one is out"
                assert desk_free(self.desk.model)
                assert not self.dialer.paused, "asked for work while paused"
                assert not self.writes_out, "asked for work before a release or an outcome was answered"
                self.fetch_out = True
            elif isinstance(effect, DialItem):
                assert desk_free(self.desk.model), "an item dialled while the desk is not free"
                assert self.dial_out is None
                self.dial_out = effect.item
            elif isinstance(effect, ReleaseItem | SaveOutcome):
                self.ended[effect.item.item_id] += 1
                self.writes_out += 1

    def live(self) -> list[str]:
        return [c.call_id for c in self.desk.model.live_calls()]

    # ---- the source and the phone -------------------------------------------------------------

    @precondition(lambda self: self.fetch_out)
    @rule(answer=st.sampled_from(["item", "item", "item", "nothing", "failed"]))
    def source_answers(self, answer: str) -> None:
        self.fetch_out = False
        if answer == "failed" or self.down:
            self.out(self.dialer.fetch_failed(self.now()))
            return
        item = None
        if answer == "item":
            self.handed += 1
            item = OutboundItem(source="callback", item_id=f"i{self.handed}",
                                number=f"1370000{self.handed:04d}")
        self.out(self.dialer.fetched(item, self.desk.model, self.now()))

    @precondition(lambda self: self.writes_out > 0 and not self.down)
    @rule()
    def outbox_delivers_a_write(self) -> None:
        self.writes_out -= 1
        self.out(self.dialer.delivered(self.writes_out, self.desk.model, self.now()))
        self.dialing_resumes()

    @precondition(lambda self: not self.down)
    @rule()
    def backend_goes_down(self) -> None:
        self.down = True

    @precondition(lambda self: self.down)
    @rule()
    def backend_comes_back(self) -> None:
        """The outbox delivers everything it held, the desk's next tick tells the dialer."""
        self.down = False
        self.writes_out = 0
        self.out(self.dialer.delivered(0, self.desk.model, self.now()))
        self.dialing_resumes()

    def dialing_resumes(self) -> None:
        """Nothing left in the outbox and the desk free: the dialer has asked for the next item."""
        if (self.writes_out == 0 and self.dialer.phase in (DialerPhase.IDLE, DialerPhase.FETCHING)
                and desk_free(self.desk.model) and not self.dialer.paused
                and self.now() >= self.dialer.next_fetch):
            assert self.fetch_out, "the outbox is empty, the desk free, and no item was asked for"

    @precondition(lambda self: self.dial_out is not None)
    @rule(ok=st.booleans(), answered=st.booleans())
    def phone_places(self, ok: bool, answered: bool) -> None:
        item, self.dial_out = self.dial_out, None
        assert item is not None
        if not ok:
            self.out(self.dialer.dial_failed())
            return
        self.next_id += 1
        call_id = f"o{self.next_id}"
        self.out(self.dialer.placed(call_id))
        self.desk_run(self.desk.model.dialed(call_id, item.number))
        if answered:
            self.dialer.call_answered(call_id)
            self.desk_run(self.desk.model.apply(CallState(call_id=call_id, state="confirmed",
                                                          direction="outbound")))

    # ---- the desk -----------------------------------------------------------------------------

    @precondition(lambda self: len(self.live()) < 2)
    @rule()
    def ring(self) -> None:
        self.next_id += 1
        self.desk_run(self.desk.model.apply(IncomingCall(
            call_id=f"c{self.next_id}", number="13900000001", display="", headers={}, remote_uri="sip:x@pbx",
            at=WHEN)))
        assert self.dialer.phase is not DialerPhase.OFFERED, "an offer stands beside a ringing call"

    @precondition(lambda self: self.desk.model.ringing is not None)
    @rule()
    def answer(self) -> None:
        ringing = self.desk.model.ringing
        assert ringing is not None
        self.desk_run(self.desk.model.apply(CallState(call_id=ringing.call_id, state="confirmed")))

    @precondition(lambda self: bool(self.live()))
    @rule(data=st.data())
    def call_ends(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(self.live()))
        self.out(self.dialer.call_ended(call_id))
        self.desk_run(self.desk.model.apply(CallEnded(call_id=call_id, reason="BYE", code=200, duration_s=0)))

    @precondition(lambda self: bool(self.desk.model.unsaved()))
    @rule()
    def save_wrapup(self) -> None:
        pending = self.desk.model.unsaved()[0]
        self.desk_run(self.desk.model.save_wrapup(pending.call_id, WrapUp(disposition="resolved")))

    @rule(ready=st.sampled_from([True, True, True, False]))
    def agent_state(self, ready: bool) -> None:
        self.desk_run(self.desk.model.set_ready() if ready else self.desk.model.set_not_ready("break"))

    @rule(seconds=st.sampled_from([1, 4, 11, 20]))
    def time_passes(self, seconds: int) -> None:
        self.desk.clock.advance(seconds)
        self.desk.run(self.desk.model.apply(Tick()))
        if self.dialer.writing:  # the desk's tick hands the dialer the journal's count
            self.out(self.dialer.delivered(self.writes_out, self.desk.model, self.now()))
        self.out(self.dialer.tick(self.desk.model, self.now()))

    # ---- the agent and the dialer -------------------------------------------------------------

    @precondition(lambda self: self.dialer.phase is DialerPhase.OFFERED)
    @rule()
    def accept(self) -> None:
        self.out(self.dialer.accept(self.desk.model))

    @precondition(lambda self: self.dialer.phase is DialerPhase.OFFERED)
    @rule(reason=st.sampled_from(["", "wrong number", "customer asked for later"]))
    def skip(self, reason: str) -> None:
        self.out(self.dialer.skip(reason))

    @rule(pause=st.booleans())
    def pause_or_resume(self, pause: bool) -> None:
        self.out(self.dialer.pause() if pause else self.dialer.resume(self.now()))
        self.out(self.dialer.sync(self.desk.model, self.now()))

    @precondition(lambda self: self.dialer.phase is DialerPhase.OUTCOME)
    @rule(code=st.sampled_from(["reached", "no_answer"]), later=st.booleans())
    def outcome(self, code: str, later: bool) -> None:
        retry = WHEN if later else None
        self.out(self.dialer.finish(Outcome(code, retry_at=retry)))
        self.out(self.dialer.sync(self.desk.model, self.now()))

    # ---- invariants ---------------------------------------------------------------------------

    @invariant()
    def every_item_ends_once(self) -> None:
        assert all(count == 1 for count in self.ended.values()), self.ended
        holding = 1 if self.dialer.item is not None else 0
        assert len(self.ended) + holding == self.handed, (self.ended, self.dialer.item, self.handed)

    @invariant()
    def the_dialer_counts_what_the_outbox_holds(self) -> None:
        assert self.dialer.writing == self.writes_out, (self.dialer.writing, self.writes_out)

    @invariant()
    def an_offer_only_on_a_free_desk(self) -> None:
        if self.dialer.phase is DialerPhase.OFFERED:
            assert desk_free(self.desk.model)
            assert self.dialer.item is not None
            left = self.dialer.seconds_left(self.now())
            assert left is not None
            assert left <= self.dialer.preview_s

    @invariant()
    def an_item_is_held_only_while_in_play(self) -> None:
        in_play = (DialerPhase.OFFERED, DialerPhase.DIALING, DialerPhase.ON_CALL, DialerPhase.OUTCOME)
        assert (self.dialer.item is not None) == (self.dialer.phase in in_play), self.dialer.phase

    @invariant()
    def an_expired_offer_is_told_only_while_paused(self) -> None:
        # The strip says "Offer expired ... Outbound paused" (desk/outbound_offer.py): never while an
        # item is in play or after the agent resumed.
        if self.dialer.expired is not None:
            assert self.dialer.paused
            assert self.dialer.phase is not DialerPhase.OFFERED


OutboundMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None,
                                             suppress_health_check=[HealthCheck.too_slow])
TestOutboundMachine = OutboundMachine.TestCase
