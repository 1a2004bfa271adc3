"""Scoring: a perfect attempt scores 100, a skipped read-back or a wrong field costs points and is named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_tui.domain.training import Attempt, Scenario, ScoreCard
from agent_tui.forms.loader import bundled_screens_dir, load_screens
from agent_tui.forms.runner import FormRun
from agent_tui.i18n import Translator
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios
from agent_tui.training.scoring import _apportion, attempt_from_run, render_card, score
from tests.training.play import play

SCREENS = load_screens(bundled_screens_dir()).by_id()
SCENARIOS = load_scenarios(bundled_scenarios_dir(), SCREENS).by_id()
IDS = sorted(SCENARIOS)


def _seconds(run: FormRun, readback_s: float = 20.0) -> dict[str, float]:
    """Time on each step of the route: 15 s each, the read-back `readback_s`."""
    return {step.id: (readback_s if step.kind == "readback" else 15.0) for step in run.route}


def _attempt(scenario: Scenario, run: FormRun, readback_s: float = 20.0, **timing: float) -> Attempt:
    values = {"talk_s": scenario.targets.handling_s * 0.6, **timing}
    return attempt_from_run(run, scenario.id, step_seconds=_seconds(run, readback_s), **values)  # type: ignore[arg-type]


def _card(scenario_id: str, wrong: dict[str, object] | None = None, readback_s: float = 20.0,
          **timing: float) -> ScoreCard:
    scenario = SCENARIOS[scenario_id]
    screen = SCREENS[scenario.screen_id]
    run = play(scenario, screen, wrong)  # type: ignore[arg-type]
    return score(scenario, _attempt(scenario, run, readback_s, **timing), screen)


@pytest.mark.parametrize("scenario_id", IDS)
def test_a_perfect_attempt_scores_100(scenario_id: str) -> None:
    card = _card(scenario_id)
    assert card.total == 100, [(line.key, line.points, line.possible) for line in card.missed]
    assert card.missed == []
    assert card.passed
    assert sum(line.possible for line in card.lines) == 100
    expected = SCENARIOS[scenario_id].expected
    assert {f"field:{field_id}" for field_id in expected.fields} <= {line.key for line in card.lines}


@pytest.mark.parametrize("scenario_id", [i for i in IDS if SCENARIOS[i].expected.ticket_type is not None])
def test_skipping_the_read_back_scores_lower_and_the_card_names_it(scenario_id: str) -> None:
    card = _card(scenario_id, readback_s=0.8)
    readback = next(line for line in card.lines if line.key == "step:readback")
    assert readback.points == 0
    assert readback.possible >= 15, "the read-back outweighs any other single item"
    assert card.total == 100 - readback.possible
    assert [line.key for line in card.missed] == ["step:readback"]
    assert "read-back" in readback.text
    assert readback.params == {"time": "0:01"}


def test_an_attempt_without_a_read_back_at_all_is_named() -> None:
    scenario = SCENARIOS["complaint_repair_slow_zh"]
    run = play(scenario, SCREENS[scenario.screen_id])
    attempt = _attempt(scenario, run).model_copy(update={"readback_done": False, "step_seconds": {}})
    card = score(scenario, attempt, SCREENS[scenario.screen_id])
    assert [line.text for line in card.missed] == [
        "Skipped the read-back: the details were not read back to the caller"]


def test_a_status_query_has_no_read_back_item() -> None:
    card = _card("status_query_overdue_zh", readback_s=0)
    assert card.total == 100
    assert "step:readback" not in {line.key for line in card.lines}


def test_wrong_field_values_are_named_with_what_was_expected() -> None:
    card = _card("repair_wire_down_zh", wrong={"hazard": "pole", "contact_phone": "13900001111"})
    missed = {line.key: line for line in card.missed}
    assert set(missed) == {"field:hazard", "field:contact_phone"}
    hazard = missed["field:hazard"]
    assert hazard.text == "{field}: expected {expected}, got {value}"
    assert hazard.params == {"field": "险情", "expected": "电线断落", "value": "电杆倾斜或折断"}
    assert missed["field:contact_phone"].params["value"] == "13900001111"
    assert card.total == 100 - sum(line.possible for line in missed.values())
    assert card.passed is (card.total >= SCENARIOS["repair_wire_down_zh"].pass_mark)


def test_tolerances_accept_what_they_should() -> None:
    # Ranges, one_of and regex tolerate other good answers.
    card = _card("complaint_billing_en", wrong={"disputed_amount": 800, "category": "metering",
                                                "bill_month": "2024/6"})
    assert card.total == 100
    card = _card("complaint_billing_en", wrong={"disputed_amount": 900, "bill_month": "2024-07"})
    assert {line.key for line in card.missed} == {"field:disputed_amount", "field:bill_month"}
    amount = next(line for line in card.missed if line.key == "field:disputed_amount")
    assert amount.params == {"field": "Amount in question (yuan)", "expected": "350..812", "value": "900"}


def test_a_field_not_captured_is_named() -> None:
    scenario = SCENARIOS["application_ev_charger_zh"]
    run = play(scenario, SCREENS[scenario.screen_id])
    attempt = _attempt(scenario, run)
    answers = {k: v for k, v in attempt.answers.items() if k != "current_kw"}
    ticket = attempt.ticket.model_copy(update={"fields": answers}) if attempt.ticket else None
    card = score(scenario, attempt.model_copy(update={"answers": answers, "ticket": ticket}),
                 SCREENS[scenario.screen_id])
    assert [line.key for line in card.missed] == ["field:current_kw"]
    assert card.missed[0].text == "{field} was not captured (expected {expected})"


def test_an_emergency_not_escalated_fails_whatever_the_total() -> None:
    scenario = SCENARIOS["repair_wire_down_en"]
    run = play(scenario, SCREENS["repair"])
    attempt = _attempt(scenario, run)
    assert attempt.ticket is not None
    assert attempt.ticket.priority == 1
    lowered = attempt.model_copy(update={"ticket": attempt.ticket.model_copy(update={"priority": 3})})
    card = score(scenario, lowered, SCREENS["repair"])
    assert {line.key for line in card.missed} == {"priority", "escalation"}
    assert not card.passed
    # An explicit escalation (to the emergency desk) counts even without the urgent priority.
    card = score(scenario, lowered.model_copy(update={"escalated": True}), SCREENS["repair"])
    assert [line.key for line in card.missed] == ["priority"]


def test_time_hold_and_transfers() -> None:
    scenario = SCENARIOS["consultation_bill_zh"]
    target = scenario.targets.handling_s
    card = _card("consultation_bill_zh", talk_s=target * 1.5)
    time_line = next(line for line in card.lines if line.key == "time")
    assert 0 < time_line.points < time_line.possible
    assert time_line.points == time_line.possible // 2
    card = _card("consultation_bill_zh", talk_s=target * 2.5)
    assert next(line for line in card.lines if line.key == "time").points == 0
    card = _card("consultation_bill_zh", talk_s=60, hold_s=scenario.targets.max_hold_s + 30, transfers=1)
    assert {line.key for line in card.missed} == {"hold", "transfers"}
    hold = next(line for line in card.missed if line.key == "hold")
    assert hold.params == {"time": "1:30", "limit": "1:00"}


def test_the_wrong_screen_and_an_unfinished_script_are_named() -> None:
    scenario = SCENARIOS["complaint_repair_slow_zh"]
    attempt = Attempt(scenario_id=scenario.id, screen_id="consultation", talk_s=100)
    card = score(scenario, attempt)
    missed = {line.key for line in card.missed}
    assert {"outcome:screen", "outcome:end", "outcome:ticket", "step:readback"} <= missed
    assert card.total < 30
    assert not card.passed


def test_scoring_is_deterministic_and_renders_in_chinese() -> None:
    first = _card("repair_wire_down_zh", wrong={"hazard": "fire"}, readback_s=1)
    second = _card("repair_wire_down_zh", wrong={"hazard": "fire"}, readback_s=1)
    assert first == second
    rows = render_card(first, Translator("zh").t)
    assert rows[-1] == f"总分 {first.total} / 100"
    assert any("复述" in row for row in rows)
    english_rows = render_card(first)
    assert english_rows[-1] == f"Total {first.total} of 100"


@given(st.lists(st.floats(min_value=0.1, max_value=50), min_size=1, max_size=30))
def test_points_are_shared_out_to_exactly_100(weights: list[float]) -> None:
    points = _apportion(weights, 100)
    assert sum(points) == 100
    whole = sum(weights)
    for weight, share in zip(weights, points, strict=True):
        assert abs(share - weight * 100 / whole) < 1
