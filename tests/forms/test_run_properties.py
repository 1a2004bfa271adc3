"""Property tests: whatever the agent types and however they move, the runner never breaks."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from agent_tui.domain.base import JsonScalar
from agent_tui.domain.screen import FieldType
from agent_tui.domain.ticket import TicketCreate
from agent_tui.forms.runner import FormError, FormRun
from tests.forms.screens import clock, good_answer, shipped

RAW: st.SearchStrategy[JsonScalar] = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.sampled_from(["13812345678", "010-12345678", "today", "昨天 9点", "1", "2", "是", "否", "北京朝阳区"]),
)
OPERATION = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 10), RAW),
    st.tuples(st.just("fill"), st.integers(0, 10), st.none()),
    st.tuples(st.just("next"), st.none(), st.none()),
    st.tuples(st.just("back"), st.none(), st.none()),
)


@settings(max_examples=150, deadline=None)
@given(screen_id=st.sampled_from(sorted(shipped())), operations=st.lists(OPERATION, max_size=40))
def test_random_answers_never_break_the_runner(
    screen_id: str, operations: list[tuple[str, int | None, JsonScalar]]
) -> None:
    screen = shipped()[screen_id]
    run = FormRun(screen, clock=clock, language="zh")
    step_ids = {step.id for step in screen.steps}
    for action, index, raw in operations:
        fields = run.step.fields
        try:
            if action == "set" and fields and index is not None:
                run.set(fields[index % len(fields)].id, raw)
            elif action == "fill" and fields and index is not None:
                field = fields[index % len(fields)]
                assert run.set(field.id, good_answer(field)) is None
            elif action == "next":
                before = run.step.id
                if run.can_advance:
                    run.next()
                    assert run.history[-1] == before
                else:
                    try:
                        run.next()
                    except FormError:
                        pass
                    else:
                        raise AssertionError("next() went on although can_advance was false")
            elif action == "back" and run.can_go_back:
                run.back()
        except FormError:
            raise AssertionError(f"{action} raised although it was allowed") from None
        assert run.step.id in step_ids
        assert set(run.visited) >= {s.id for s in run.route}
        for field_id, value in run.answers.items():
            field = run.field(field_id)
            if field.type == FieldType.CHOICE:
                assert value in {c.value for c in field.choices}
    data = json.loads(json.dumps(run.to_dict(), ensure_ascii=False))
    restored = FormRun.from_dict(screen, data, clock=clock)
    # Compared as JSON text: a NaN the agent "typed" is equal to itself there, unlike in a dict.
    assert json.dumps(restored.to_dict(), sort_keys=True) == json.dumps(run.to_dict(), sort_keys=True)
    assert isinstance(run.readback_text(), str)
    if run.files_ticket:
        ticket = run.to_ticket(1, "c")
        assert TicketCreate.model_validate(ticket.model_dump()) == ticket
