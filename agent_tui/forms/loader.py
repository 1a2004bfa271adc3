"""Loading call screens from `screens/*.toml`, with errors that name the file and line.

Operations staff edit these files without Python, so every problem is reported as
`FILE:LINE: key: message`, and one broken file never stops the other screens from loading.
Beyond the model's own checks, the loader checks what ties a screen together: every `goto` and `next`
names a step, conditions test fields that exist with values those fields can take, every step can be
reached from the first and every route can reach an end step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent_tui.domain.customer import Customer
from agent_tui.domain.screen import CONDITION_OPERATORS, FieldType, ScreenDefinition, Step, StepKind
from agent_tui.paths import bundled_data_dir
from agent_tui.tomlfile import Loc, TomlDocument, TomlError, dotted, load_toml, validation_problem

PREFILL_PATTERN = re.compile(r"^(customer|call)(\.[a-z_][a-z0-9_]*(\[[0-9]+\])?)+$")
"""Where a prefill may come from: `customer.address`, `customer.phones[0]`, `call.number`."""
CALL_PREFILL_KEYS = frozenset({"number", "display", "queue", "call_id", "account", "customer_id"})
"""The attributes of the ringing call a field may be prefilled from."""


class ScreenError(TomlError):
    """A screen file that cannot be used: `str()` gives `FILE:LINE: key: message`."""


@dataclass
class ScreenLoadResult:
    """The screens that loaded, in file-name order, and one message per file that did not."""

    screens: list[ScreenDefinition] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, ScreenDefinition]:
        """The loaded screens keyed by their id."""
        return {screen.id: screen for screen in self.screens}


def bundled_screens_dir() -> Path:
    """The screens shipped with agent-tui: `screens/` in a checkout, `agent_tui/_data/screens` installed."""
    return bundled_data_dir("screens")


def load_screens(folder: Path) -> ScreenLoadResult:
    """Load every `*.toml` in `folder`; broken files and duplicate ids go to `errors`."""
    result = ScreenLoadResult()
    if not folder.is_dir():
        result.errors.append(f"{folder}: not a folder of screens")
        return result
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            screen, document = _load(path)
        except ScreenError as exc:
            result.errors.append(str(exc))
            continue
        if screen.id in seen:
            clash = ScreenError(path, document.line_of(("id",)), "id",
                                f"screen id {screen.id!r} is already used by {seen[screen.id]}")
            result.errors.append(str(clash))
            continue
        seen[screen.id] = path
        result.screens.append(screen)
    return result


def load_screen(path: Path) -> ScreenDefinition:
    """Load and check one screen file; raise ScreenError naming file, line and key."""
    return _load(path)[0]


def _load(path: Path) -> tuple[ScreenDefinition, TomlDocument]:
    try:
        document = load_toml(path)
    except TomlError as exc:
        raise ScreenError(exc.path, exc.line, exc.key, exc.message) from None
    try:
        screen = ScreenDefinition.model_validate(document.data)
    except ValidationError as exc:
        # A whole-screen check failed while every part was valid: find the part to blame ourselves.
        steps = _valid_steps(document.data) if all(not e["loc"] for e in exc.errors()) else None
        problem = next(_lint(steps, []), None) if steps is not None else None
        if problem is None:
            raise _from_validation(document, exc) from None
    else:
        problem = next(_lint(screen.steps, screen.subject_fields), None)
    if problem is not None:
        loc, message = problem
        raise ScreenError(path, document.line_of(loc) or 1, dotted(loc), message)
    return screen, document


def _valid_steps(data: Mapping[str, Any]) -> list[Step] | None:
    try:
        return [Step.model_validate(step) for step in data.get("steps", [])]
    except (ValidationError, TypeError):
        return None


def _from_validation(document: TomlDocument, exc: ValidationError) -> ScreenError:
    loc, message = validation_problem(document.data, exc.errors())
    return ScreenError(document.path, document.line_of(loc) or 1, dotted(loc), message)


def _lint(steps: Sequence[Step], subject_fields: Sequence[str]) -> Iterator[tuple[Loc, str]]:
    """Problems that tie a screen together, each with the location to blame."""
    step_ids: dict[str, int] = {}
    for index, step in enumerate(steps):
        step_ids.setdefault(step.id, index)
    fields: dict[str, Any] = {}
    for s_index, step in enumerate(steps):
        seen_here: set[str] = set()
        for f_index, field_def in enumerate(step.fields):
            loc: Loc = ("steps", s_index, "fields", f_index)
            if field_def.id in seen_here:
                yield (*loc, "id"), f"field {field_def.id!r} appears twice on step {step.id!r}"
            seen_here.add(field_def.id)
            earlier = fields.get(field_def.id)
            if earlier is not None and (earlier.type, earlier.choices) != (field_def.type, field_def.choices):
                yield (*loc, "id"), f"field {field_def.id!r} is defined differently on another step"
            fields.setdefault(field_def.id, field_def)
            if field_def.prefill is not None:
                problem = _prefill_problem(field_def.prefill)
                if problem:
                    yield (*loc, "prefill"), problem
            if field_def.type != FieldType.CHOICE and field_def.choices:
                yield (*loc, "choices"), "only choice fields have choices"
            values = [choice.value for choice in field_def.choices]
            if len(set(values)) != len(values):
                yield (*loc, "choices"), "choice values must be unique"
    for s_index, step in enumerate(steps):
        loc = ("steps", s_index)
        if step.kind == StepKind.END:
            if step.fields:
                yield (*loc, "fields"), "an end step has no fields"
            if step.next or step.branches:
                yield (*loc, "next" if step.next else "branches"), "an end step goes nowhere"
            continue
        for b_index, branch in enumerate(step.branches):
            if branch.goto not in step_ids:
                yield (*loc, "branches", b_index, "goto"), f"unknown step {branch.goto!r}"
            for c_index, condition in enumerate(branch.when):
                c_loc: Loc = (*loc, "branches", b_index, "when", c_index)
                yield from _condition_problems(c_loc, condition.field, condition, fields)
        if step.next is not None and step.next not in step_ids:
            yield (*loc, "next"), f"unknown step {step.next!r}"
        if step.next is None and not any(not branch.when for branch in step.branches):
            yield loc, f"step {step.id!r} needs `next` (where to go when no branch matches)"
    for ref_index, field_id in enumerate(subject_fields):
        if field_id not in fields:
            yield ("subject_fields", ref_index), f"unknown field {field_id!r}"
    if len(step_ids) != len(steps):
        for s_index, step in enumerate(steps):
            if step_ids[step.id] != s_index:
                yield ("steps", s_index, "id"), f"step id {step.id!r} is used twice"
        return
    yield from _reachability(steps, step_ids)


def _condition_problems(loc: Loc, field_id: str, condition: Any, fields: Mapping[str, Any]) -> Iterator[
        tuple[Loc, str]]:
    field_def = fields.get(field_id)
    if field_def is None:
        yield (*loc, "field"), f"unknown field {field_id!r}"
        return
    if field_def.type != FieldType.CHOICE:
        return
    allowed = {choice.value for choice in field_def.choices}
    for operator in CONDITION_OPERATORS:
        value = getattr(condition, operator)
        tested = value if isinstance(value, list) else [value]
        if operator == "answered" or value is None:
            continue
        for item in tested:
            if item not in allowed:
                yield (*loc, operator), f"{item!r} is not a choice of field {field_id!r}"


def _prefill_problem(prefill: str) -> str | None:
    if not PREFILL_PATTERN.fullmatch(prefill):
        return "prefill must look like `customer.address`, `customer.phones[0]` or `call.number`"
    root, rest = prefill.split(".", 1)
    name = rest.split(".", 1)[0].split("[", 1)[0]
    if root == "customer" and name not in Customer.model_fields:
        return f"customers have no attribute {name!r}"
    if root == "call" and name not in CALL_PREFILL_KEYS:
        return f"calls have no attribute {name!r} (known: {', '.join(sorted(CALL_PREFILL_KEYS))})"
    return None


def _reachability(steps: Sequence[Step], step_ids: Mapping[str, int]) -> Iterator[tuple[Loc, str]]:
    by_id = {step.id: step for step in steps}

    def targets(step_id: str) -> list[str]:
        step = by_id[step_id]
        found = [branch.goto for branch in step.branches]
        if step.next:
            found.append(step.next)
        return [target for target in found if target in by_id]

    if not steps:
        return
    reached = {steps[0].id}
    frontier = [steps[0].id]
    while frontier:
        for target in targets(frontier.pop()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    for step in steps:
        if step.id not in reached:
            yield ("steps", step_ids[step.id], "id"), f"step {step.id!r} cannot be reached from the start"
    if not any(step.kind == StepKind.END for step in steps):
        yield ("steps",), "a screen needs at least one step with kind = \"end\""
        return
    ends = {step.id for step in steps if step.kind == StepKind.END}
    finishing = set(ends)
    changed = True
    while changed:
        changed = False
        for step in steps:
            if step.id not in finishing and any(target in finishing for target in targets(step.id)):
                finishing.add(step.id)
                changed = True
    for step in steps:
        if step.id in reached and step.id not in finishing:
            yield ("steps", step_ids[step.id], "id"), f"no route from step {step.id!r} reaches an end step"
