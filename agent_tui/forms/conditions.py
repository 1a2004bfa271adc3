"""Branching conditions of a screen: whether a branch's `when` holds for the answers given so far."""

from __future__ import annotations

from collections.abc import Mapping

from agent_tui.domain.base import JsonScalar
from agent_tui.domain.screen import Condition


def _same(a: JsonScalar, b: JsonScalar) -> bool:
    # True == 1 in Python; a yes/no answer must not match the number 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def condition_holds(condition: Condition, answers: Mapping[str, JsonScalar]) -> bool:
    """Whether `condition` holds for the answers given so far."""
    value = answers.get(condition.field)
    if condition.answered is not None:
        return (value is not None) == condition.answered
    if value is None:
        return condition.not_equals is not None or condition.not_one_of is not None
    if condition.equals is not None:
        return _same(value, condition.equals)
    if condition.one_of is not None:
        return any(_same(value, item) for item in condition.one_of)
    if condition.not_equals is not None:
        return not _same(value, condition.not_equals)
    if condition.not_one_of is not None:
        return not any(_same(value, item) for item in condition.not_one_of)
    return False
