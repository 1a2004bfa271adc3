"""Helpers for the forms tests: the shipped screens, a fixed clock, and a valid answer for every field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache

from agent_tui.domain.base import JsonScalar
from agent_tui.domain.screen import FieldDef, FieldType, ScreenDefinition
from agent_tui.forms.loader import bundled_screens_dir, load_screens
from agent_tui.forms.runner import FormRun

NOW = datetime(2024, 5, 15, 10, 30)

BY_ID: dict[str, JsonScalar] = {
    # Fields with a pattern need answers of their own shape.
    "id_number": "11010519491231002X",
    "new_owner_id": "11010519491231002X",
    "credit_code": "91350100M000100Y43",
    "bill_month": "2024-04",
    "earlier_order": "GD20240501000123",
    "order_number": "GD20240501000123",
}
BY_TYPE: dict[FieldType, JsonScalar] = {
    FieldType.TEXT: "张三",
    FieldType.MULTILINE: "客户反映家中自昨晚起没有电，邻居正常。",
    FieldType.PHONE: "13812345678",
    FieldType.ACCOUNT: "1234567890",
    FieldType.ADDRESS: "北京市朝阳区建国路1号",
    FieldType.DATE: "today",
    FieldType.DATETIME: "09:00",
    FieldType.BOOLEAN: False,
}


def clock() -> datetime:
    return NOW


@cache
def shipped() -> dict[str, ScreenDefinition]:
    """The screens in `screens/`, by id."""
    result = load_screens(bundled_screens_dir())
    assert result.errors == []
    return result.by_id()


def good_answer(field: FieldDef) -> JsonScalar:
    """Some answer the field accepts."""
    if field.id in BY_ID:
        return BY_ID[field.id]
    if field.type == FieldType.CHOICE:
        return field.choices[0].value
    if field.type == FieldType.NUMBER:
        return field.min_value if field.min_value is not None else 1
    return BY_TYPE[field.type]


def walk(screen_id: str, answers: Mapping[str, JsonScalar], *, language: str = "en") -> FormRun:
    """Fill `screen_id` to its end: `answers` where given, else a valid answer for each required field."""
    run = FormRun(shipped()[screen_id], language=language, clock=clock, customer_id=7, call_id="call-1")
    for _ in range(50):
        if run.complete:
            return run
        for field in run.step.fields:
            if field.id in answers:
                assert run.set(field.id, answers[field.id]) is None, field.id
            elif field.required and run.value(field.id) is None:
                assert run.set(field.id, good_answer(field)) is None, field.id
        run.next()
    raise AssertionError(f"{screen_id} did not finish: {run.visited}")
