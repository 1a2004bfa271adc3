"""Scenarios load from TOML; a broken file is reported with file, line and key, and the others still load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent_tui.domain.training import Business, Cue, Mood, Scenario
from agent_tui.forms.loader import bundled_screens_dir, load_screens
from agent_tui.training.scenario import ScenarioError, bundled_scenarios_dir, load_scenario, load_scenarios
from tests.training.play import play

BROKEN = Path(__file__).parent / "broken"
BROKEN_FILES = sorted(BROKEN.glob("*.toml"))
SCREENS = load_screens(bundled_screens_dir()).by_id()
SHIPPED = load_scenarios(bundled_scenarios_dir(), SCREENS)


def _expected(path: Path) -> str:
    """Each broken file states, on its first line, the message after `FILE:`."""
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first.startswith("# expect: "), f"{path} has no expectation line"
    return first.removeprefix("# expect: ")


def test_every_shipped_scenario_loads() -> None:
    assert SHIPPED.errors == []
    assert len(SHIPPED.scenarios) >= 10
    assert len(SHIPPED.by_id()) == len(SHIPPED.scenarios)


def test_both_languages_cover_every_screen() -> None:
    covered = {(s.language, s.business) for s in SHIPPED.scenarios}
    for language in ("zh", "en"):
        for business in Business:
            assert (language, business) in covered, (language, business)
    # Callers ring in about a business; the return visit and the campaign screens are calls the agent
    # makes from a work list.
    outbound = {"return_visit", "outage_notice", "arrears_reminder"}
    assert {b.value for b in Business} == set(SCREENS) - outbound


def test_an_angry_complaint_and_an_emergency_that_must_be_escalated() -> None:
    angry = [s for s in SHIPPED.scenarios if s.business == Business.COMPLAINT and s.mood == Mood.ANGRY]
    assert {s.language for s in angry} == {"zh", "en"}
    emergencies = [s for s in SHIPPED.scenarios if s.expected.escalate]
    assert {s.language for s in emergencies} == {"zh", "en"}
    for scenario in emergencies:
        assert scenario.expected.fields["hazard"].matches("wire_down")
        assert scenario.expected.fields["fault_type"].matches("danger")
        assert scenario.expected.priority == 1


@pytest.mark.parametrize("scenario", SHIPPED.scenarios, ids=[s.id for s in SHIPPED.scenarios])
def test_shipped_scenario_is_playable_to_its_expected_end(scenario: Scenario) -> None:
    screen = SCREENS[scenario.screen_id]
    run = play(scenario, screen)
    assert run.complete
    if scenario.expected.end_step:
        assert run.step.id == scenario.expected.end_step
    assert run.files_ticket == (scenario.expected.ticket_type is not None)
    route = [step.id for step in run.route]
    assert set(scenario.required_steps) <= set(route)
    # Every step a line is cued on is one this scenario's caller can reach.
    for line in scenario.lines:
        if line.cue == Cue.STEP:
            assert line.step in route, (scenario.id, line.id)
    assert any(line.cue == Cue.ANSWER for line in scenario.lines)
    assert any(line.hangup for line in scenario.lines)


@pytest.mark.parametrize("path", BROKEN_FILES, ids=[p.stem for p in BROKEN_FILES])
def test_broken_scenario_names_file_line_and_key(path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, SCREENS)
    assert str(caught.value) == f"{path}:{_expected(path)}"
    assert caught.value.line == int(_expected(path).split(":", 1)[0])


def test_broken_files_do_not_stop_the_others(tmp_path: Path) -> None:
    for path in BROKEN_FILES:
        shutil.copy(path, tmp_path / path.name)
    good = sorted(bundled_scenarios_dir().glob("*.toml"))[:2]
    for path in good:
        shutil.copy(path, tmp_path / path.name)
    result = load_scenarios(tmp_path, SCREENS)
    assert len(result.scenarios) == len(good)
    assert len(result.errors) == len(BROKEN_FILES)
    for message in result.errors:
        name, line = message.split(":", 2)[:2]
        assert name.startswith(str(tmp_path)), message
        assert line.isdigit(), message


def test_duplicate_ids_are_reported_and_the_first_kept(tmp_path: Path) -> None:
    source = bundled_scenarios_dir() / "repair_wire_down_zh.toml"
    shutil.copy(source, tmp_path / "a.toml")
    shutil.copy(source, tmp_path / "b.toml")
    result = load_scenarios(tmp_path, SCREENS)
    assert [s.id for s in result.scenarios] == ["repair_wire_down_zh"]
    assert result.errors == [f"{tmp_path / 'b.toml'}:2: id: scenario id 'repair_wire_down_zh' is already "
                             f"used by {tmp_path / 'a.toml'}"]


def test_missing_folder_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = load_scenarios(tmp_path / "nope", SCREENS)
    assert result.scenarios == []
    assert result.errors == [f"{tmp_path / 'nope'}: not a folder of scenarios"]


def test_summary_and_call_defaults() -> None:
    scenario = SHIPPED.by_id()["repair_wire_down_zh"]
    assert scenario.number == scenario.caller.phones[0]
    assert scenario.display == scenario.caller.name
    summary = scenario.summary_view()
    assert summary.id == scenario.id
    assert summary.mood == Mood.PANICKED
    assert "lines" not in summary.model_dump()
    changed = SHIPPED.by_id()["application_contact_change_en"]
    assert changed.number == "18900001234" != changed.caller.phones[0]
