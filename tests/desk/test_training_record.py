"""A training call's records name no customer: its card shows the scenario's stand-in (id 0), which no
backend has, and a record naming it was dead-lettered (`422 body.customer_id: no customer 0`)."""

from __future__ import annotations

from datetime import UTC, datetime

from agent_tui.desk.calls import SCENARIO_HEADER
from agent_tui.desk.effects import SendState
from agent_tui.domain.customer import Customer, LookupMatch, LookupResult
from tests.desk.harness import Desk


def _stand_in(customer_id: int) -> LookupResult:
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    customer = Customer(id=customer_id, account="1000000001", name="Trainee caller", created_at=at,
                        updated_at=at)
    return LookupResult(matches=[LookupMatch(customer=customer)])


def _take_call(desk: Desk, call_id: str, customer_id: int, **headers: str) -> None:
    desk.ring(call_id, **headers)
    desk.run(desk.model.lookup_done(call_id, _stand_in(customer_id)))
    desk.answer(call_id)
    desk.end(call_id)


def test_a_training_call_records_no_customer() -> None:
    desk = Desk()
    _take_call(desk, "t1", 0, **{SCENARIO_HEADER: "repair_wire_down_en"})
    records = desk.records()
    assert records, "the training call wrote no call record"
    assert all(effect.record.customer_id is None for effect in records)
    assert all(effect.record.training for effect in records)
    states = [e.change for e in desk.effects if isinstance(e, SendState)]
    assert all(change.customer_id is None for change in states)


def test_a_real_call_still_names_its_customer() -> None:
    desk = Desk()
    _take_call(desk, "c1", 42)
    assert {effect.record.customer_id for effect in desk.records()} == {42}
