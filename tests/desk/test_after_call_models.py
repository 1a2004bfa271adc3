"""The desk's after-call models without Textual: the status query, return-visit answers, order alerts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from agent_tui.desk.order_alerts import OrderAlertBook, alert_msgid
from agent_tui.desk.return_visits import AnswersIncomplete, Unreached, offered, outcome
from agent_tui.desk.status_query import Mark, QueryState, StatusQuery, search_terms, status_view
from agent_tui.domain.escalation import OrderAlert, OrderTimeline, TimePoint
from agent_tui.domain.return_visits import ReturnVisitItem, ReturnVisitStatus
from agent_tui.domain.sla import OrderAlertLevel, SlaLimits, deadlines
from agent_tui.domain.ticket import Attitude, ReturnVisit, Ticket, TicketStatus, TicketType, TimelineEntry

S = TicketStatus
T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def timeline(steps: Sequence[tuple[TicketStatus, float]], now_min: float, *,
             alerts: list[OrderAlert] | None = None) -> OrderTimeline:
    """An order's timeline judged by the one SLA rule, as the server answers it."""
    entries = [TimelineEntry(status=s, at=at(m), by="x") for s, m in steps]
    marks = deadlines(TicketType.REPAIR, entries, at(now_min), SlaLimits())
    reached = {e.status: e.at for e in entries}
    letters = zip("ABCDEFGH", (S.CREATED, S.ISSUED, S.RECEIVED, S.FORWARDED, S.DISPATCHED, S.ACCEPTED,
                               S.DEPARTED, S.ON_SITE), strict=True)
    return OrderTimeline(id=1, number="GD20261205000001", ticket_type=TicketType.REPAIR,
                         status=steps[-1][0], created_by="agent01",
                         points=[TimePoint(point=p, status=s, at=reached.get(s)) for p, s in letters],
                         deadlines=marks, alerts=alerts or [])


def alert(id_: int, segment: str, level: OrderAlertLevel, *, filed_by: str = "agent01",
          not_accepted: bool = False) -> OrderAlert:
    return OrderAlert(id=id_, ticket_id=1, number="GD20261205000001", segment=segment, level=level,
                      due_at=at(5), raised_at=at(5), filed_by=filed_by, status=S.DISPATCHED,
                      not_accepted=not_accepted)


def test_marks_follow_the_servers_judgement_and_its_at_risk_alerts() -> None:
    steps = [(S.CREATED, 0), (S.ISSUED, 1), (S.RECEIVED, 7), (S.DISPATCHED, 8)]
    view = status_view(timeline(steps, 9, alerts=[alert(1, "EF", OrderAlertLevel.AT_RISK)]))
    marks = {m.segment: m.mark for m in view.marks}
    assert marks["AB"] is Mark.ON_TIME
    assert marks["BC"] is Mark.BREACHED  # 6 minutes against 4
    assert marks["CD"] is Mark.SKIPPED
    assert marks["DE"] is Mark.SKIPPED
    assert marks["EF"] is Mark.AT_RISK
    assert marks["accept"] is Mark.RUNNING
    assert marks["FG"] is Mark.WAITING
    assert view.told == "overdue"
    assert [p for p, when in view.points if when is not None] == ["A", "B", "C", "E"]


def test_an_order_on_time_is_in_progress_and_a_fixed_one_finished() -> None:
    assert status_view(timeline([(S.CREATED, 0), (S.ISSUED, 1)], 2)).told == "in_progress"
    fixed = [(S.CREATED, 0), (S.ISSUED, 1), (S.RECEIVED, 2), (S.DISPATCHED, 3), (S.ACCEPTED, 4),
             (S.DEPARTED, 5), (S.ON_SITE, 20), (S.HANDLED, 30)]
    view = status_view(timeline(fixed, 31))
    assert view.told == "finished"
    assert all(m.mark in (Mark.ON_TIME, Mark.SKIPPED) for m in view.marks), view.marks


def test_search_by_number_then_account_then_phone() -> None:
    by_number = search_terms(" gd2026 ", "1234567890", "138")
    assert by_number is not None
    assert by_number.number == "GD2026"
    by_account = search_terms("", "1234567890", "13800138000")
    assert by_account is not None
    assert by_account.account == "1234567890"
    assert by_account.number is None
    by_phone = search_terms(None, None, "13800138000")
    assert by_phone is not None
    assert by_phone.phone == "13800138000"
    assert search_terms("", " ", None) is None


def ticket(id_: int) -> Ticket:
    return Ticket(id=id_, number=f"GD20261205{id_:06d}", ticket_type=TicketType.REPAIR, status=S.CREATED,
                  created_by="agent01", created_at=T0, updated_at=T0)


def state_of(query: StatusQuery) -> QueryState:
    """The state now (a function, so the type checker does not keep an earlier narrowing)."""
    return query.state


def test_one_match_loads_at_once_several_wait_for_a_choice_none_says_not_found() -> None:
    query = StatusQuery()
    assert not query.search(None)
    assert state_of(query) is QueryState.NOT_FOUND
    assert query.told == "not_found"

    assert query.search(search_terms(None, "1234567890", None))
    assert query.found([ticket(7)]) == "GD20261205000007"
    assert state_of(query) is QueryState.LOADING
    assert query.told is None
    query.loaded(timeline([(S.CREATED, 0)], 1))
    assert state_of(query) is QueryState.FOUND
    assert query.told == "in_progress"

    query.search(search_terms(None, None, "13800138000"))
    assert query.view is None
    assert query.found([ticket(9), ticket(8)]) is None
    assert state_of(query) is QueryState.SEVERAL
    assert query.choose(5) is None
    assert query.choose(1) == "GD20261205000008"

    query.search(search_terms("GD1", None, None))
    assert query.found([]) is None
    assert state_of(query) is QueryState.NOT_FOUND

    query.failed("503 backend down")
    assert state_of(query) is QueryState.FAILED
    assert query.told is None


def test_return_visit_answers_make_a_result_or_an_attempt() -> None:
    result = outcome({"reached": True, "resolved": True, "charged": False, "attitude": "satisfied",
                      "score": 9, "suggestion": "快一点"})
    assert result == ReturnVisit(resolved=True, attitude=Attitude.SATISFIED, charged=False, score=9,
                                 suggestion="快一点")
    assert outcome({"reached": False}) == Unreached(note="not reached on the return visit")
    assert outcome({"reached": False, "suggestion": " busy "}) == Unreached(note="busy")
    with pytest.raises(AnswersIncomplete):
        outcome({"reached": True, "resolved": True, "attitude": "satisfied"})  # no score
    with pytest.raises(AnswersIncomplete):
        outcome({"reached": True, "resolved": True, "attitude": "glad", "score": 5})


def test_the_list_offers_unclaimed_visits_and_the_agents_own() -> None:
    def item(id_: int, holder: str | None) -> ReturnVisitItem:
        return ReturnVisitItem(id=id_, ticket_id=id_, number=f"GD{id_}", ticket_type=TicketType.REPAIR,
                               status=ReturnVisitStatus.CLAIMED if holder else ReturnVisitStatus.DUE,
                               due_at=T0, attempts=0, claimed_by=holder)

    assert [i.id for i in offered([item(1, None), item(2, "agent02"), item(3, "agent01")], "agent01")] \
        == [1, 3]


def test_alerts_of_own_orders_are_counted_once_and_the_newest_named() -> None:
    book = OrderAlertBook("agent01")
    assert book.apply(alert(1, "EF", OrderAlertLevel.AT_RISK).model_dump(mode="json")) is not None
    assert book.apply(alert(1, "EF", OrderAlertLevel.AT_RISK).model_dump(mode="json")) is None  # replayed
    assert book.apply(alert(2, "EF", OrderAlertLevel.AT_RISK, filed_by="agent02").model_dump(mode="json")) \
        is None
    assert book.apply({"id": "not an alert"}) is None
    breach = alert(3, "accept", OrderAlertLevel.BREACHED, not_accepted=True)
    newest = book.apply(breach.model_dump(mode="json"))
    assert newest is not None
    assert book.newest == newest
    assert len(book.alerts) == 2
    assert book.breached == 1
    assert "not accepted" in alert_msgid(newest)
    assert "at risk" in alert_msgid(book.alerts[0])


class StatusQueryMachine(RuleBasedStateMachine):
    """Searches, answers, choices and failures in any order: what the query says stays consistent."""

    def __init__(self) -> None:
        super().__init__()
        self.query = StatusQuery()

    @rule(by=st.sampled_from(["number", "account", "phone", "nothing"]))
    def search(self, by: str) -> None:
        terms = None if by == "nothing" else search_terms(
            "GD1" if by == "number" else None, "3100000001" if by == "account" else None, "138")
        assert self.query.search(terms) is (terms is not None)

    @rule(count=st.integers(min_value=0, max_value=3))
    def answer(self, count: int) -> None:
        if state_of(self.query) is not QueryState.SEARCHING:
            return
        number = self.query.found([ticket(i + 1) for i in range(count)])
        assert (number is not None) is (count == 1)

    @rule(index=st.integers(min_value=-1, max_value=3))
    def choose(self, index: int) -> None:
        if state_of(self.query) is not QueryState.SEVERAL:
            return
        number = self.query.choose(index)
        assert (number is not None) is (0 <= index < len(self.query.matches))

    @rule()
    def timeline_arrives(self) -> None:
        if state_of(self.query) is QueryState.LOADING:
            self.query.loaded(timeline([(S.CREATED, 0)], 1))

    @rule()
    def backend_fails(self) -> None:
        if state_of(self.query) in (QueryState.SEARCHING, QueryState.LOADING):
            self.query.failed("503")

    @invariant()
    def consistent(self) -> None:
        query = self.query
        state = state_of(query)
        if state is QueryState.FOUND:
            assert query.view is not None
            assert query.told in ("in_progress", "overdue", "finished")
        elif state is QueryState.NOT_FOUND:
            assert query.told == "not_found"
        else:
            assert query.told is None
        if state is QueryState.SEVERAL:
            assert len(query.matches) > 1
        if state is QueryState.SEARCHING:
            assert query.view is None
            assert query.matches == []


StatusQueryMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=20, deadline=None)
TestStatusQueryMachine = StatusQueryMachine.TestCase
