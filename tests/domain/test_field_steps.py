"""Field steps and alert times in plain Python: which step follows which, a recalled order takes none,
and the watcher's alert times come from the one SLA rule (a segment not taken raises nothing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_tui.domain.sla import OrderAlertLevel, SlaLimits, alert_times, deadlines
from agent_tui.domain.ticket import (
    FIELD_STEP_STATUS,
    FieldStep,
    FieldStepRefused,
    TicketStatus,
    TicketType,
    TimelineEntry,
    allowed_transitions,
    field_move,
)

S = TicketStatus
T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def test_the_field_walks_an_issued_order_to_fixed() -> None:
    status = S.ISSUED
    for step in (FieldStep.RECEIVE, FieldStep.FORWARD, FieldStep.DISPATCH, FieldStep.ACCEPT, FieldStep.DEPART,
                 FieldStep.ON_SITE, FieldStep.FIXED):
        status = field_move(TicketType.REPAIR, status, step)
    assert status == S.HANDLED


@pytest.mark.parametrize("status", [S.CREATED, S.RECALLED])
def test_an_order_not_issued_or_recalled_takes_no_field_step(status: TicketStatus) -> None:
    for step in FieldStep:
        with pytest.raises(FieldStepRefused):
            field_move(TicketType.REPAIR, status, step)


def test_only_repair_orders_have_field_steps() -> None:
    with pytest.raises(FieldStepRefused, match="complaint"):
        field_move(TicketType.COMPLAINT, S.ASSIGNED, FieldStep.FIXED)


@given(st.lists(st.sampled_from(list(FieldStep)), max_size=12))
def test_random_reports_only_ever_take_moves_the_life_cycle_allows(steps: list[FieldStep]) -> None:
    status = S.ISSUED
    for step in steps:
        try:
            moved = field_move(TicketType.REPAIR, status, step)
        except FieldStepRefused:
            assert status in (S.RECALLED, S.CLOSED, S.CANCELLED) or (
                FIELD_STEP_STATUS[step] not in allowed_transitions(TicketType.REPAIR, status))
            continue
        assert moved == FIELD_STEP_STATUS[step]
        assert moved in allowed_transitions(TicketType.REPAIR, status)
        status = moved


def _timeline(*steps: tuple[TicketStatus, int]) -> list[TimelineEntry]:
    return [TimelineEntry(status=status, at=T0 + timedelta(minutes=minute)) for status, minute in steps]


def test_alert_times_of_a_dispatched_order() -> None:
    timeline = _timeline((S.CREATED, 0), (S.ISSUED, 1), (S.RECEIVED, 2), (S.DISPATCHED, 3))
    marks = deadlines(TicketType.REPAIR, timeline, T0 + timedelta(minutes=3), SlaLimits())
    times = {(segment, level): at for segment, level, at in alert_times(marks, 0.75)}
    # Not accepted within 4 minutes of E: breached at E+4, at risk at E+3; CD was skipped, DE never began.
    assert times[("accept", OrderAlertLevel.BREACHED)] == T0 + timedelta(minutes=7)
    assert times[("accept", OrderAlertLevel.AT_RISK)] == T0 + timedelta(minutes=6)
    assert ("CD", OrderAlertLevel.BREACHED) not in times
    assert ("DE", OrderAlertLevel.BREACHED) not in times
    assert ("BC", OrderAlertLevel.BREACHED) not in times  # met
    assert times[("on_site", OrderAlertLevel.BREACHED)] == T0 + timedelta(minutes=45)
    only_breaches = alert_times(marks, 0)
    assert {level for _, level, _ in only_breaches} == {OrderAlertLevel.BREACHED}


def test_a_recalled_order_raises_nothing_for_the_segment_it_was_in() -> None:
    timeline = _timeline((S.CREATED, 0), (S.ISSUED, 1), (S.RECEIVED, 2), (S.RECALLED, 3))
    marks = deadlines(TicketType.REPAIR, timeline, T0 + timedelta(minutes=3), SlaLimits())
    segments = {segment for segment, _, _ in alert_times(marks, 0.75)}
    assert segments == {"on_site"}  # the promise from A keeps running
