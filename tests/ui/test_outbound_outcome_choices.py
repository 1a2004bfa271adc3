"""The outcome panel's choices, likeliest first: found by the campaign walk, an unanswered campaign call
offered its campaign's first code (`informed`) first, so Enter recorded a customer as informed who was
never reached."""

from __future__ import annotations

from agent_tui.desk.outbound import NO_ANSWER, OutboundItem
from agent_tui.desk.outbound_items import REACHED
from agent_tui.ui.desk.outbound_outcome import outcome_choices

CAMPAIGN = OutboundItem(source="campaign", item_id="5", number="13900000005",
                        outcomes=("informed", "refused", "wrong_number", "no_answer", "busy"))
CALLBACK = OutboundItem(source="callback", item_id="6", number="13900000006")


def codes(item: OutboundItem, answered: bool) -> list[str]:
    return [code for code, _label in outcome_choices(item, answered)]


def test_a_campaign_call_nobody_answered_offers_no_answer_first() -> None:
    assert codes(CAMPAIGN, answered=False) == ["no_answer", "informed", "refused", "wrong_number", "busy"]
    assert codes(CAMPAIGN, answered=True) == list(CAMPAIGN.outcomes)


def test_a_campaign_without_no_answer_keeps_its_order() -> None:
    own = OutboundItem(source="campaign", item_id="7", number="1", outcomes=("promised", "refused"))
    assert codes(own, answered=False) == ["promised", "refused"]


def test_callbacks_put_reached_first_only_after_an_answer() -> None:
    assert codes(CALLBACK, answered=True)[0] == REACHED
    assert codes(CALLBACK, answered=False)[0] == NO_ANSWER
