"""The simulated caller's director says the right lines on the right cues."""

from __future__ import annotations

from agent_tui.domain.training import Cue, Mood, Scenario
from agent_tui.forms.loader import bundled_screens_dir, load_screens
from agent_tui.training.director import (
    Answered,
    Director,
    DtmfPressed,
    HungUp,
    NextPressed,
    Say,
    SpeechEnded,
    StepReached,
    Tick,
)
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios
from tests.training.play import play

SCREENS = load_screens(bundled_screens_dir()).by_id()
SCENARIOS = load_scenarios(bundled_scenarios_dir(), SCREENS).by_id()


def _ids(says: list[Say]) -> list[str]:
    return [say.line_id for say in says]


def test_answer_lines_then_step_lines_once_each() -> None:
    director = Director(SCENARIOS["repair_wire_down_zh"])
    assert director.handle(StepReached("fault", 0.0)) == []  # screen pop while ringing: nothing said yet
    opening = director.handle(Answered(1.0))
    assert _ids(opening) == ["opening"]
    assert opening[0].text.startswith("喂！是95598吗")
    assert opening[0].mood == Mood.PANICKED
    said = director.handle(StepReached("emergency", 5.0))
    assert _ids(said) == ["hazard_details"]
    assert said[0].mood == Mood.WORRIED  # the line's own mood
    assert director.handle(StepReached("emergency", 6.0)) == []  # back and forth: said once
    assert _ids(director.handle(StepReached("contact", 9.0))) == ["contact_details"]
    assert _ids(director.handle(StepReached("readback", 20.0))) == ["confirm"]
    goodbye = director.handle(StepReached("submitted", 30.0))
    assert _ids(goodbye) == ["goodbye"]
    assert goodbye[0].hangup
    assert director.ended
    assert director.handle(NextPressed(31.0)) == []
    assert _ids(director.transcript) == ["opening", "hazard_details", "contact_details", "confirm", "goodbye"]


def test_a_step_reached_before_the_answer_speaks_after_the_opening() -> None:
    director = Director(SCENARIOS["status_query_overdue_zh"])
    director.handle(StepReached("order", 0.0))
    assert _ids(director.handle(Answered(2.0))) == ["opening", "order"]
    assert director.steps_seen == ["order"]


def test_nothing_before_the_answer_but_the_step_is_remembered() -> None:
    director = Director(SCENARIOS["complaint_repair_slow_zh"])
    assert director.handle(NextPressed(0.5)) == []
    assert director.handle(DtmfPressed("1", 0.6)) == []
    assert director.handle(Tick(100.0)) == []
    assert not director.answered


def test_next_lines_in_order_each_once() -> None:
    director = Director(SCENARIOS["consultation_bill_zh"])
    director.handle(Answered(0.0))
    assert _ids(director.handle(NextPressed(3.0))) == ["understood_tier"]
    assert _ids(director.handle(NextPressed(6.0))) == ["how_to_pay"]
    assert director.handle(NextPressed(9.0)) == []


def test_dtmf_lines_fire_on_their_digit_every_time() -> None:
    director = Director(SCENARIOS["complaint_repair_slow_zh"])
    director.handle(Answered(0.0))
    assert _ids(director.handle(DtmfPressed("1", 2.0))) == ["angrier"]
    assert _ids(director.handle(DtmfPressed("2", 4.0))) == ["calmer"]
    assert director.handle(DtmfPressed("5", 5.0)) == []
    assert _ids(director.handle(DtmfPressed("1", 6.0))) == ["angrier"]
    assert [say.cue for say in director.transcript[1:]] == [Cue.DTMF] * 3


def test_silence_counts_from_the_last_line_or_action() -> None:
    scenario = SCENARIOS["repair_wire_down_en"]  # "still_there" after 8 s, repeating
    director = Director(scenario)
    director.handle(Answered(0.0))
    director.handle(SpeechEnded(4.0))  # the opening took 4 s to say
    assert director.handle(Tick(11.0)) == []  # 7 s of silence
    assert _ids(director.handle(Tick(12.0))) == ["still_there"]
    assert director.handle(Tick(13.0)) == []  # the count starts again
    director.handle(StepReached("emergency", 15.0))
    assert director.handle(Tick(22.0)) == []
    assert _ids(director.handle(Tick(23.5))) == ["still_there"]  # repeat = true


def test_a_silence_line_without_repeat_fires_once() -> None:
    director = Director(SCENARIOS["complaint_repair_slow_zh"])  # after 10 s, no repeat
    director.handle(Answered(0.0))
    assert _ids(director.handle(Tick(10.0))) == ["still_there"]
    assert director.handle(Tick(25.0)) == []
    assert director.handle(Tick(60.0)) == []


def test_the_trainee_hanging_up_ends_it() -> None:
    director = Director(SCENARIOS["suggestion_app_en"])
    director.handle(Answered(0.0))
    assert director.handle(HungUp(5.0)) == []
    assert director.ended
    assert director.handle(StepReached("suggestion", 6.0)) == []


def _replay(scenario: Scenario) -> list[str]:
    """The route a good trainee takes, fed to the director step by step."""
    run = play(scenario, SCREENS[scenario.screen_id])
    director = Director(scenario)
    director.handle(Answered(0.0))
    for index, step in enumerate(run.route):
        director.handle(StepReached(step.id, float(index + 1)))
    assert director.ended, scenario.id
    return _ids(director.transcript)


def test_every_scenario_hangs_up_after_its_last_step_line() -> None:
    for scenario in SCENARIOS.values():
        said = _replay(scenario)
        step_lines = [line.id for line in scenario.lines if line.cue == Cue.STEP]
        answer_lines = [line.id for line in scenario.lines if line.cue == Cue.ANSWER]
        assert said == answer_lines + step_lines, scenario.id
