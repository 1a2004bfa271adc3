"""Loading training scenarios from `scenarios/*.toml`, with errors that name the file and line.

Trainers write scenarios without Python, so every problem is reported as `FILE:LINE: key: message`
and one broken file never stops the others from loading. Beyond the model's own checks, a scenario is
checked against the call screens it refers to: the screen exists and files the expected kind of order,
cued and required steps exist, expected fields exist and expect values those fields can take.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent_tui.domain.expectation import FieldExpectation
from agent_tui.domain.screen import FieldDef, FieldType, ScreenDefinition, StepKind
from agent_tui.domain.training import Cue, Scenario
from agent_tui.forms.loader import bundled_screens_dir, load_screens
from agent_tui.paths import bundled_data_dir
from agent_tui.tomlfile import Loc, TomlDocument, TomlError, dotted, load_toml, validation_problem


class ScenarioError(TomlError):
    """A scenario file that cannot be used: `str()` gives `FILE:LINE: key: message`."""


@dataclass
class ScenarioLoadResult:
    """The scenarios that loaded, in file-name order, and one message per file that did not."""

    scenarios: list[Scenario] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, Scenario]:
        """The loaded scenarios keyed by their id."""
        return {scenario.id: scenario for scenario in self.scenarios}


def bundled_scenarios_dir() -> Path:
    """The shipped scenarios: `scenarios/` in a checkout, `agent_tui/_data/scenarios` when installed."""
    return bundled_data_dir("scenarios")


def _shipped_screens() -> dict[str, ScreenDefinition]:
    return load_screens(bundled_screens_dir()).by_id()


def load_scenarios(folder: Path, screens: Mapping[str, ScreenDefinition] | None = None) -> ScenarioLoadResult:
    """Load every `*.toml` in `folder`, checked against `screens` (default: the shipped screens).

    Broken files and duplicate ids go to `errors`; the other scenarios still load.
    """
    screens = _shipped_screens() if screens is None else screens
    result = ScenarioLoadResult()
    if not folder.is_dir():
        result.errors.append(f"{folder}: not a folder of scenarios")
        return result
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            scenario, document = _load(path, screens)
        except ScenarioError as exc:
            result.errors.append(str(exc))
            continue
        if scenario.id in seen:
            clash = ScenarioError(path, document.line_of(("id",)), "id",
                                  f"scenario id {scenario.id!r} is already used by {seen[scenario.id]}")
            result.errors.append(str(clash))
            continue
        seen[scenario.id] = path
        result.scenarios.append(scenario)
    return result


def load_scenario(path: Path, screens: Mapping[str, ScreenDefinition] | None = None) -> Scenario:
    """Load and check one scenario file; raise ScenarioError naming file, line and key."""
    return _load(path, _shipped_screens() if screens is None else screens)[0]


def _load(path: Path, screens: Mapping[str, ScreenDefinition]) -> tuple[Scenario, TomlDocument]:
    try:
        document = load_toml(path)
    except TomlError as exc:
        raise ScenarioError(exc.path, exc.line, exc.key, exc.message) from None
    try:
        scenario = Scenario.model_validate(document.data)
    except ValidationError as exc:
        loc, message = validation_problem(document.data, exc.errors())
        if not loc:
            # A whole-scenario check failed: find the part to blame ourselves.
            loc, message = _duplicate_line(document.data) or (loc, message)
        raise ScenarioError(path, document.line_of(loc) or 1, dotted(loc), message) from None
    problem = next(_lint(scenario, screens), None)
    if problem is not None:
        loc, message = problem
        raise ScenarioError(path, document.line_of(loc) or 1, dotted(loc), message)
    return scenario, document


def _duplicate_line(data: Mapping[str, Any]) -> tuple[Loc, str] | None:
    seen: set[object] = set()
    lines = data.get("lines")
    for index, line in enumerate(lines if isinstance(lines, list) else []):
        line_id = line.get("id") if isinstance(line, Mapping) else None
        if line_id in seen:
            return ("lines", index, "id"), f"line id {line_id!r} is used twice"
        seen.add(line_id)
    return None


def _lint(scenario: Scenario, screens: Mapping[str, ScreenDefinition]) -> Iterator[tuple[Loc, str]]:
    """Problems between a scenario and its screen, each with the location to blame."""
    screen = screens.get(scenario.screen_id)
    if screen is None:
        where: Loc = ("expected", "screen") if scenario.expected.screen else ("business",)
        yield where, f"no screen {scenario.screen_id!r} (known: {', '.join(sorted(screens)) or 'none'})"
        return
    steps = {step.id: step for step in screen.steps}
    expected = scenario.expected
    if expected.ticket_type is not None and expected.ticket_type != screen.ticket_type:
        files = screen.ticket_type.value if screen.ticket_type else "no order"
        yield ("expected", "ticket_type"), (f"screen {screen.id!r} files {files}, "
                                            f"not {expected.ticket_type.value}")
    if expected.end_step is not None:
        end = steps.get(expected.end_step)
        if end is None:
            yield ("expected", "end_step"), f"screen {screen.id!r} has no step {expected.end_step!r}"
        elif end.kind != StepKind.END:
            yield ("expected", "end_step"), f"step {expected.end_step!r} is not an end step"
        elif expected.ticket_type is not None and not end.files_ticket:
            yield ("expected", "end_step"), f"step {expected.end_step!r} files no order"
    if expected.priority is not None and expected.ticket_type is None:
        yield ("expected", "priority"), "a priority needs an expected ticket_type"
    for index, line in enumerate(scenario.lines):
        if line.cue == Cue.STEP and line.step not in steps:
            yield ("lines", index, "step"), f"screen {screen.id!r} has no step {line.step!r}"
    for index, step_id in enumerate(scenario.required_steps):
        if step_id not in steps:
            yield ("required_steps", index), f"screen {screen.id!r} has no step {step_id!r}"
    fields: dict[str, FieldDef] = {}
    for step in screen.steps:
        for field_def in step.fields:
            fields.setdefault(field_def.id, field_def)
    for field_id, expectation in expected.fields.items():
        loc: Loc = ("expected", "fields", field_id)
        found = fields.get(field_id)
        if found is None:
            yield loc, f"screen {screen.id!r} has no field {field_id!r}"
            continue
        problem = _expectation_problem(found, expectation)
        if problem:
            yield loc, problem


def _expectation_problem(field_def: FieldDef, expectation: FieldExpectation) -> str | None:
    """Why `expectation` can never pass on `field_def`, if it cannot."""
    values = [expectation.equals] if expectation.equals is not None else list(expectation.one_of or [])
    if field_def.type == FieldType.CHOICE:
        allowed = [choice.value for choice in field_def.choices]
        for value in values:
            if value not in allowed:
                return f"{value!r} is not a choice of field {field_def.id!r} (choices: {', '.join(allowed)})"
    if field_def.type == FieldType.BOOLEAN:
        if not all(isinstance(value, bool) for value in values) or expectation.operators() not in (
                ["equals"], ["one_of"]):
            return f"field {field_def.id!r} is yes/no: expect true or false"
    elif any(isinstance(value, bool) for value in values):
        return f"field {field_def.id!r} is not a yes/no field"
    if "range" in expectation.operators() and field_def.type != FieldType.NUMBER:
        return f"min/max only fit number fields, and {field_def.id!r} is of type {field_def.type.value}"
    return None
