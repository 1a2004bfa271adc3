"""A scripted trainee for tests: walks a scenario's screen the way a good agent would.

At each step it enters the scenario's model answer for every expected field on that step and a plain,
valid answer for any other required field, then presses next, until the script ends. `wrong` replaces
the model answers of some fields with answers that fail their test.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from agent_tui.domain.base import JsonScalar
from agent_tui.domain.screen import FieldDef, FieldType, ScreenDefinition
from agent_tui.domain.training import Scenario
from agent_tui.forms.prefill import PrefillContext
from agent_tui.forms.runner import FormRun

NOW = datetime(2024, 6, 12, 15, 30)


def fixed_clock() -> datetime:
    """The run's wall clock, fixed so date checks are repeatable."""
    return NOW


def filler(field_def: FieldDef) -> JsonScalar:
    """A valid answer for a required field the scenario does not test."""
    match field_def.type:
        case FieldType.CHOICE:
            return field_def.choices[0].value
        case FieldType.BOOLEAN:
            return False
        case FieldType.NUMBER:
            return field_def.min_value if field_def.min_value is not None else 1
        case FieldType.PHONE:
            return "13800000000"
        case FieldType.ACCOUNT:
            return "3300000001"
        case FieldType.DATE:
            return "2024-06-20"
        case FieldType.DATETIME:
            return "2024-06-12 14:00"
        case FieldType.ADDRESS:
            return "1 Test Road, Test District"
        case _:
            return "A test answer long enough for any field."


def start_run(scenario: Scenario, screen: ScreenDefinition) -> FormRun:
    """A run prefilled from the scenario's caller and call, as the desk's screen pop does it."""
    context = PrefillContext(customer=scenario.caller.model_dump(mode="json"),
                             call={"number": scenario.number, "call_id": "training-call"})
    return FormRun.start(screen, context, language=scenario.language, clock=fixed_clock)


def play(scenario: Scenario, screen: ScreenDefinition, wrong: Mapping[str, JsonScalar] | None = None,
         max_steps: int = 50) -> FormRun:
    """Fill the screen to its end; `wrong` maps field ids to the (wrong) answers to type instead."""
    wrong = dict(wrong or {})
    run = start_run(scenario, screen)
    for _ in range(max_steps):
        if run.complete:
            return run
        for field_def in run.step.fields:
            expectation = scenario.expected.fields.get(field_def.id)
            if field_def.id in wrong:
                answer = wrong[field_def.id]
            elif expectation is not None:
                answer = expectation.model_answer()
                if answer is None:
                    raise AssertionError(f"{scenario.id}: field {field_def.id} needs an example")
            elif field_def.required and run.value(field_def.id) is None:
                answer = filler(field_def)
            else:
                continue
            problem = run.set(field_def.id, answer)
            assert problem is None, f"{scenario.id}: {field_def.id}={answer!r}: {problem}"
        run.next()
    raise AssertionError(f"{scenario.id}: the script did not end within {max_steps} steps")
