"""What a captured field must hold in a training scenario's expected outcome (`FieldExpectation`), and
how a captured value is judged against it and shown."""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from agent_tui.domain.base import JsonScalar, Model

EXPECTATION_OPERATORS = ("equals", "one_of", "contains", "regex", "range")


class FieldExpectation(Model):
    """What a captured field must hold: exactly one test (a bare value in TOML means `equals`).

    `contains` passes when every listed text appears (case and spaces ignored); `regex` searches;
    `min`/`max` bound a number (either may be left out).
    """

    equals: JsonScalar | None = None
    one_of: list[JsonScalar] | None = None
    contains: list[str] | None = None
    regex: str | None = None
    min: float | None = None
    max: float | None = None
    example: JsonScalar | None = Field(
        default=None, description="A model answer that passes (shown to trainers; default: the equals value)."
    )

    @model_validator(mode="before")
    @classmethod
    def _bare_value(cls, data: Any) -> Any:
        if data is None or isinstance(data, str | int | float | bool):
            return {"equals": data}
        if isinstance(data, dict) and isinstance(data.get("contains"), str):
            return {**data, "contains": [data["contains"]]}
        return data

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"regex is not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _one_test(self) -> FieldExpectation:
        given = [name for name in self.operators() if name]
        if len(given) != 1:
            raise ValueError("a field expectation needs exactly one of equals, one_of, contains, regex, "
                             "min/max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        if self.example is not None and not self.matches(self.example):
            raise ValueError(f"the example {self.example!r} does not pass the test")
        return self

    def model_answer(self) -> JsonScalar:
        """A value that passes: the example, else the only or first allowed value (None if unknown)."""
        if self.example is not None:
            return self.example
        if self.equals is not None:
            return self.equals
        if self.one_of:
            return self.one_of[0]
        if self.contains is not None:
            return " ".join(self.contains)
        if self.min is not None or self.max is not None:
            return self.min if self.min is not None else self.max
        return None

    def operators(self) -> list[str]:
        """The tests set on this expectation (`range` for min/max)."""
        names = ("equals", "one_of", "contains", "regex")
        found = [name for name in names if getattr(self, name) is not None]
        if self.min is not None or self.max is not None:
            found.append("range")
        return found

    def matches(self, value: JsonScalar) -> bool:
        """Whether a captured value passes."""
        if self.equals is not None:
            return _same(value, self.equals)
        if self.one_of is not None:
            return any(_same(value, item) for item in self.one_of)
        if value is None:
            return False
        if self.contains is not None:
            folded = _fold(str(value))
            return all(_fold(part) in folded for part in self.contains)
        if self.regex is not None:
            return re.search(self.regex, str(value)) is not None
        number = _number(value)
        if number is None:
            return False
        return (self.min is None or number >= self.min) and (self.max is None or number <= self.max)

    def describe(self) -> str:
        """The test as a short, language-neutral text for score cards: `= danger`, `10..12`, `~ 人民路`."""
        if self.equals is not None:
            return _show(self.equals)
        if self.one_of is not None:
            return " | ".join(_show(item) for item in self.one_of)
        if self.contains is not None:
            return " + ".join(f"~{part}" for part in self.contains)
        if self.regex is not None:
            return f"/{self.regex}/"
        low = "" if self.min is None else _show(self.min)
        high = "" if self.max is None else _show(self.max)
        return f"{low}..{high}"


def _same(a: JsonScalar, b: JsonScalar) -> bool:
    # True == 1 in Python; a yes/no answer must not match the number 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return a == b


def _fold(text: str) -> str:
    return "".join(text.split()).casefold()


def _number(value: JsonScalar) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value.strip())
    except ValueError:
        return None


def _show(value: JsonScalar | float) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)
