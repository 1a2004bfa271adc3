"""Drafts are bound to their call and customer (finding 2 of issue 11): no Textual."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from agent_tui.desk.calls import CallSession
from agent_tui.desk.drafts import caller_label, split_drafts, ticket_owner
from agent_tui.domain.customer import Customer, LookupMatch


@dataclass
class Run:
    draft_id: str
    call_id: str | None
    customer_id: int | None


def call(call_id: str, number: str, customer_id: int | None, name: str = "") -> CallSession:
    session = CallSession(call_id=call_id, number=number)
    if customer_id is not None:
        when = datetime(2026, 1, 5, tzinfo=UTC)
        customer = Customer(id=customer_id, account=f"{customer_id:08d}", name=name or "x", phones=[number],
                            created_at=when, updated_at=when)
        session.choose(LookupMatch(customer=customer))
    return session


def test_f9_offers_this_callers_draft_first_and_lists_earlier_ones_apart() -> None:
    first, second = call("c1", "13900000001", 1, "Li Lei"), call("c2", "13900000002", 2, "Han Mei")
    old, mine = Run("d1", "c1", 1), Run("d2", "c2", 2)
    choice = split_drafts([old, mine], second)
    assert choice.current == [mine]
    assert choice.earlier == [old]
    assert caller_label(old, {"c1": first}) == "Li Lei 13900000001"
    assert caller_label(Run("d3", "gone", 7), {}) == "#7"


def test_an_earlier_callers_draft_is_filed_for_its_own_customer_and_call() -> None:
    second = call("c2", "13900000002", 2)
    owner = ticket_owner(Run("d1", "c1", 1), second)
    assert (owner.customer_id, owner.call_id) == (1, "c1")


def test_a_draft_of_this_call_takes_the_customer_picked_on_the_card_since() -> None:
    session = call("c2", "13900000002", 5)
    owner = ticket_owner(Run("d2", "c2", None), session)
    assert (owner.customer_id, owner.call_id) == (5, "c2")
