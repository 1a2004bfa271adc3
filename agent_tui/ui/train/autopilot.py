"""A scripted trainee: drives a real desk through a training call with keys, the way a good agent would.

Used by `agent-tui demo train` (a trainee desk nobody sits at, so the trainer can watch a scenario play
out in one plain terminal) and by the end-to-end tests. Through a Textual `Pilot` it answers the ringing
training call (F3), opens the work order (F9) on the scenario's screen, and at each step enters the
scenario's model answer for every expected field and a plain valid answer for any other required one,
then moves on (ctrl+right); it stays on the read-back long enough to read it (or not, when told to skip
it) and submits (ctrl+s). It plays as many calls as asked, one after another.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, TextArea

from agent_tui.domain.base import JsonScalar
from agent_tui.domain.screen import FieldDef, FieldType, StepKind
from agent_tui.domain.training import Scenario

YES, NO = "yes", "no"


class AutopilotTimeout(TimeoutError):
    """The desk did not get where the trainee expected in time."""


def filler(field_def: FieldDef) -> JsonScalar:
    """A valid answer for a required field the scenario does not check."""
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
            return "2030-06-20"
        case FieldType.DATETIME:
            return "2030-06-12 14:00"
        case FieldType.ADDRESS:
            return "1 Test Road, Test District"
        case _:
            return "A plain answer long enough for any field."


async def wait_for(pilot: Pilot[Any], predicate: Callable[[], object], what: str,
                   deadline_s: float = 30.0) -> None:
    """Let the app run until `predicate()` holds."""
    deadline = time.monotonic() + deadline_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AutopilotTimeout(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def _set_widget(form: Any, field_def: FieldDef, value: JsonScalar) -> None:
    widget = form.query_one(f"#field-{field_def.id}")
    if isinstance(widget, Select):
        if field_def.type == FieldType.BOOLEAN:
            widget.value = YES if value else NO
        else:
            widget.value = str(value)
    elif isinstance(widget, TextArea):
        widget.text = str(value)
    elif isinstance(widget, Input):
        widget.value = "" if value is None else str(value)


def _fields_drawn(form: Any, field_ids: list[str]) -> Callable[[], bool]:
    return lambda: all(form.query(f"#field-{field_id}") for field_id in field_ids)


def _left(form: Any, step_id: str) -> Callable[[], bool]:
    return lambda: bool(form.run.step.id != step_id)


async def play_call(pilot: Pilot[Any], scenario: Scenario, *, skip_readback: bool = False,
                    wrong: Mapping[str, JsonScalar] | None = None, ring_deadline_s: float = 60.0,
                    think_s: float = 0.0) -> None:
    """Take one training call of `scenario` from ringing to the submitted order.

    `skip_readback` moves on from the read-back at once; `wrong` maps field ids to wrong answers;
    `think_s` pauses on each step (a slower, more watchable trainee in the demo).
    """
    from agent_tui.ui.desk.desk import DeskScreen
    from agent_tui.ui.desk.form import FormScreen
    from agent_tui.ui.desk.order import OrderPickScreen

    app = pilot.app
    found = app.get_screen("desk")
    assert isinstance(found, DeskScreen)
    desk: DeskScreen = found
    await wait_for(pilot, lambda: desk.ringing is not None, "the training call to ring", ring_deadline_s)
    while app.screen is not desk:  # a score card or panel of the last call still open
        app.pop_screen()
        await pilot.pause()
    await pilot.press("f3")
    await wait_for(pilot, lambda: desk.active is not None, "the call to be answered")
    await pilot.press("f9")
    await wait_for(pilot, lambda: isinstance(app.screen, OrderPickScreen) and bool(app.screen.screens),
                   "the screen list")
    picker = app.screen
    assert isinstance(picker, OrderPickScreen)
    index = [s.id for s in picker.screens].index(scenario.screen_id) + len(picker.drafts)
    picker.query_one("#order-screens", OptionList).highlighted = index
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), "the form")
    form = app.screen
    assert isinstance(form, FormScreen)
    wrong = dict(wrong or {})
    for _ in range(50):
        run = form.run
        step = run.step
        drawn = _fields_drawn(form, [f.id for f in step.fields])
        await wait_for(pilot, drawn, f"the fields of step {step.id}")
        for field_def in step.fields:
            expectation = scenario.expected.fields.get(field_def.id)
            if field_def.id in wrong:
                answer = wrong[field_def.id]
            elif expectation is not None:
                answer = expectation.model_answer()
            elif field_def.required and run.value(field_def.id) is None:
                answer = filler(field_def)
            else:
                continue
            _set_widget(form, field_def, answer)
            await pilot.pause()
        if think_s:
            await asyncio.sleep(think_s)
        if step.kind == StepKind.READBACK and not skip_readback:
            # Reading the details to the caller takes time; the score card checks it did.
            await asyncio.sleep(scenario.targets.min_readback_s + 0.5)
        if run.complete:
            break
        await pilot.press("ctrl+right")
        await wait_for(pilot, _left(form, step.id), f"leaving step {step.id}", 10)
    if form.run.files_ticket and app.screen is form:
        await pilot.press("ctrl+s")
