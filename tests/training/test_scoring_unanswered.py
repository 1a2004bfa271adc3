"""A training call the trainee never answered earns nothing, not points for its time, hold and transfers."""

from __future__ import annotations

from agent_tui.domain.training import Attempt
from agent_tui.i18n import Translator
from agent_tui.training.scoring import render_card, score
from tests.training_e2e.doubles import shipped

SCENARIO = "repair_wire_down_en"


def test_a_call_never_answered_scores_zero_and_says_why() -> None:
    scenario = shipped()[SCENARIO]
    card = score(scenario, Attempt(scenario_id=SCENARIO, answered=False))
    assert card.total == 0
    assert not card.passed
    timing = {line.key: line for line in card.lines if line.key in ("time", "hold", "transfers")}
    assert [line.points for line in timing.values()] == [0, 0, 0]
    assert timing["time"].text == "The call was not answered"
    assert any("未接听来电" in row for row in render_card(card, Translator("zh").t, "zh"))


def test_an_answered_call_hung_up_at_once_still_earns_its_timing_points() -> None:
    scenario = shipped()[SCENARIO]
    card = score(scenario, Attempt(scenario_id=SCENARIO, talk_s=2))
    assert {line.key: line.points for line in card.lines}["time"] > 0
