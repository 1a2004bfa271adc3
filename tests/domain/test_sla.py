"""The SLA rule in plain Python: skipped segments, stopped clocks, configured limits; random walks
through the life cycle never mark a segment both skipped and breached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from agent_tui.domain.sla import SlaLimits, deadlines
from agent_tui.domain.ticket import SlaDeadline, TicketStatus, TicketType, TimelineEntry, allowed_transitions

S = TicketStatus
T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def _timeline(*steps: tuple[TicketStatus, int]) -> list[TimelineEntry]:
    return [TimelineEntry(status=status, at=T0 + timedelta(minutes=minute)) for status, minute in steps]


def _by_name(found: list[SlaDeadline]) -> dict[str, SlaDeadline]:
    return {d.segment: d for d in found}


def test_a_skipped_forwarding_is_not_a_breach_however_late_it_is_now() -> None:
    timeline = _timeline((S.CREATED, 0), (S.ISSUED, 1), (S.RECEIVED, 3), (S.DISPATCHED, 20))
    marks = _by_name(deadlines(TicketType.REPAIR, timeline, T0 + timedelta(days=30), SlaLimits()))
    assert marks["CD"].skipped
    assert not marks["CD"].breached
    assert marks["DE"].due_at is None
    assert not marks["DE"].breached
    # Segments that were taken are judged as before: EF is long overdue.
    assert marks["EF"].breached
    assert not marks["EF"].skipped


def test_a_recalled_order_did_not_take_the_segment_it_was_in() -> None:
    timeline = _timeline((S.CREATED, 0), (S.ISSUED, 1), (S.RECEIVED, 3), (S.RECALLED, 4))
    marks = _by_name(deadlines(TicketType.REPAIR, timeline, T0 + timedelta(minutes=40), SlaLimits()))
    assert marks["CD"].skipped
    assert not marks["CD"].breached
    # The promise to the customer runs from the call, recall or not.
    assert not marks["on_site"].skipped
    late = _by_name(deadlines(TicketType.REPAIR, timeline, T0 + timedelta(minutes=50), SlaLimits()))
    assert late["on_site"].breached
    # Issued and received again: CD is timed from the new receipt.
    again = [*timeline, *_timeline((S.ISSUED, 10), (S.RECEIVED, 12))]
    marks = _by_name(deadlines(TicketType.REPAIR, again, T0 + timedelta(minutes=20), SlaLimits()))
    assert marks["CD"].due_at == T0 + timedelta(minutes=14)
    assert marks["CD"].breached
    assert not marks["CD"].skipped


def test_waiting_on_a_segment_breaches_it() -> None:
    timeline = _timeline((S.CREATED, 0), (S.ISSUED, 1), (S.RECEIVED, 3))
    marks = _by_name(deadlines(TicketType.REPAIR, timeline, T0 + timedelta(minutes=6), SlaLimits()))
    assert marks["CD"].breached
    assert not marks["CD"].skipped


def test_a_cancelled_order_stops_the_clocks_it_left_open() -> None:
    timeline = _timeline((S.CREATED, 0), (S.ISSUED, 1), (S.CANCELLED, 2))
    marks = _by_name(deadlines(TicketType.REPAIR, timeline, T0 + timedelta(days=1), SlaLimits()))
    assert not marks["BC"].breached
    assert not marks["on_site"].breached
    late = _timeline((S.CREATED, 0), (S.ISSUED, 1), (S.CANCELLED, 9))
    assert _by_name(deadlines(TicketType.REPAIR, late, T0 + timedelta(days=1), SlaLimits()))["BC"].breached


def test_limits_are_the_configured_ones() -> None:
    limits = SlaLimits(ab=5, de_same_site=1, de_other_site=9, complaint_assign=30)
    repair = _by_name(deadlines(TicketType.REPAIR, _timeline((S.CREATED, 0)), T0, limits))
    assert repair["AB"].limit_minutes == 5
    assert repair["AB"].due_at == T0 + timedelta(minutes=5)
    assert repair["DE"].limit_minutes == 9
    same = _by_name(deadlines(TicketType.REPAIR, _timeline((S.CREATED, 0)), T0, limits, {"same_site": True}))
    assert same["DE"].limit_minutes == 1
    complaint = _by_name(deadlines(TicketType.COMPLAINT, _timeline((S.CREATED, 0)), T0, limits))
    assert complaint["assign"].limit_minutes == 30
    assert deadlines(TicketType.CONSULTATION, _timeline((S.CREATED, 0)), T0, limits) == []


def test_the_defaults_are_the_hotline_rules() -> None:
    limits = SlaLimits()
    assert (limits.ab, limits.bc, limits.cd, limits.de_same_site, limits.de_other_site, limits.ef,
            limits.fg, limits.gh, limits.on_site, limits.accept) == (2, 4, 2, 2, 4, 2, 3, 28, 45, 4)


@given(
    ticket_type=st.sampled_from([TicketType.REPAIR, TicketType.COMPLAINT]),
    choices=st.lists(st.integers(min_value=0, max_value=100), max_size=14),
    gaps=st.lists(st.integers(min_value=0, max_value=40), min_size=14, max_size=14),
    later=st.integers(min_value=0, max_value=10_000),
)
def test_random_walks_never_breach_a_skipped_or_met_in_time_segment(
    ticket_type: TicketType, choices: list[int], gaps: list[int], later: int
) -> None:
    steps = [(S.CREATED, 0)]
    minute = 0
    for choice, gap in zip(choices, gaps, strict=False):
        nexts = sorted(allowed_transitions(ticket_type, steps[-1][0]))
        if not nexts:
            break
        minute += gap
        steps.append((nexts[choice % len(nexts)], minute))
    timeline = _timeline(*steps)
    now = timeline[-1].at + timedelta(minutes=later)
    for mark in deadlines(ticket_type, timeline, now, SlaLimits()):
        assert not (mark.skipped and mark.breached)
        assert not (mark.skipped and mark.met_at is not None)
        if mark.met_at is not None and mark.due_at is not None and mark.met_at <= mark.due_at:
            assert not mark.breached
        if mark.due_at is None:
            assert not mark.breached
