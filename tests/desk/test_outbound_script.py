"""When a campaign call opens its script, and what the script's answers say (the model, no UI)."""

from __future__ import annotations

from dataclasses import replace

from agent_tui.desk.calls import CallPhase
from agent_tui.desk.outbound import DialerPhase, OutboundDialer, OutboundItem
from agent_tui.desk.outbound_script import (
    OpenScript,
    reached_by_script,
    reached_for_outcome,
    script_to_open,
)

CONTACT = OutboundItem(source="campaign", item_id="5", number="13700000005", screen="outage_notice",
                       outcomes=("informed", "no_answer"))


def on_call(item: OutboundItem = CONTACT, phase: DialerPhase = DialerPhase.ON_CALL,
            call_id: str | None = "o1") -> OutboundDialer:
    return OutboundDialer(mode="preview", phase=phase, item=item, call_id=call_id)


def test_the_script_opens_once_the_call_is_placed_before_the_customer_answers() -> None:
    assert script_to_open(on_call(), None, CallPhase.DIALING, None) == OpenScript("outage_notice", "o1")
    assert script_to_open(on_call(), None, CallPhase.TALKING, None) == OpenScript("outage_notice", "o1")


def test_once_per_call_and_never_before_the_call_is_placed() -> None:
    assert script_to_open(on_call(), None, CallPhase.DIALING, "o1") is None  # opened (maybe closed) already
    assert script_to_open(on_call(phase=DialerPhase.DIALING, call_id=None), None, None, None) is None
    assert script_to_open(on_call(), None, None, None) is None  # the desk model has not seen the call yet
    assert script_to_open(on_call(), None, CallPhase.ENDED, None) is None
    assert script_to_open(on_call(phase=DialerPhase.OUTCOME), None, CallPhase.ENDED, None) is None


def test_a_ringing_inbound_call_is_never_hidden_the_script_waits_for_it() -> None:
    assert script_to_open(on_call(), "in1", CallPhase.DIALING, None) is None
    assert script_to_open(on_call(), None, CallPhase.HELD, None) == OpenScript("outage_notice", "o1")


def test_items_without_a_screen_open_nothing() -> None:
    callback = OutboundItem(source="callback", item_id="9", number="13700000009")
    assert script_to_open(on_call(callback), None, CallPhase.DIALING, None) is None
    assert script_to_open(on_call(replace(CONTACT, screen="")), None, CallPhase.DIALING, None) is None


def test_the_scripts_reached_answer_decides_the_outcome_order() -> None:
    assert reached_by_script(None) is None
    assert reached_by_script({"understood": True}) is None
    assert reached_by_script({"reached": "yes"}) is None  # only a yes/no answer counts
    assert reached_by_script({"reached": False}) is False
    assert reached_for_outcome(True, None) is True
    assert reached_for_outcome(True, True) is True
    assert reached_for_outcome(True, False) is False  # answered, but not the right person
    assert reached_for_outcome(False, True) is False  # the line never connected
