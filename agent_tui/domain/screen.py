"""Scripted call screens (动态脚本): steps, typed fields and branches, loaded from `screens/*.toml`."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from agent_tui.domain.base import JsonScalar, LocalizedText, Model
from agent_tui.domain.ticket import TicketType


class FieldType(StrEnum):
    """How a field is entered and checked."""

    TEXT = "text"
    MULTILINE = "multiline"
    PHONE = "phone"
    ACCOUNT = "account"
    ADDRESS = "address"
    CHOICE = "choice"
    DATE = "date"
    DATETIME = "datetime"
    NUMBER = "number"
    BOOLEAN = "boolean"


class DateRange(StrEnum):
    """Which dates a date or datetime field accepts, relative to today."""

    ANY = "any"
    PAST = "past"
    """Today or earlier (when a fault started, when a bill was paid)."""
    FUTURE = "future"
    """Today or later (an appointment, a requested connection date)."""


class Choice(Model):
    """One allowed value of a choice field."""

    value: str
    label: LocalizedText


class FieldDef(Model):
    """A field on a step."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: LocalizedText
    type: FieldType = FieldType.TEXT
    required: bool = False
    choices: list[Choice] = Field(default_factory=list)
    prefill: str | None = Field(default=None, description="Customer attribute, e.g. `customer.address`.")
    help: LocalizedText | None = None
    max_length: int = Field(default=500, gt=0, le=20_000)
    min_length: int = Field(default=0, ge=0, le=20_000, description="Shortest text accepted, when answered.")
    pattern: str | None = Field(default=None, description="Regular expression a text answer must match.")
    min_value: float | None = Field(default=None, description="Smallest number accepted.")
    max_value: float | None = Field(default=None, description="Largest number accepted.")
    integer: bool = Field(default=False, description="Number fields: whole numbers only.")
    date_range: DateRange = Field(default=DateRange.ANY, description="Date fields: past, future or any.")

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _choices_for_choice_fields(self) -> FieldDef:
        if self.type == FieldType.CHOICE and not self.choices:
            raise ValueError(f"field {self.id!r} is a choice field without choices")
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError("min_value is greater than max_value")
        if self.min_length > self.max_length:
            raise ValueError("min_length is greater than max_length")
        return self


CONDITION_OPERATORS = ("equals", "one_of", "not_equals", "not_one_of", "answered")


class Condition(Model):
    """A test on an answer given so far: exactly one operator is set (not null).

    A field without an answer equals nothing and differs from everything; test it with `answered`.
    """

    field: str
    equals: JsonScalar | None = None
    one_of: list[JsonScalar] | None = None
    not_equals: JsonScalar | None = None
    not_one_of: list[JsonScalar] | None = None
    answered: bool | None = None
    """True: the field has an answer; false: it has none."""

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        given = [name for name in CONDITION_OPERATORS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"a condition needs exactly one of {', '.join(CONDITION_OPERATORS)}")
        return self


class Branch(Model):
    """Go to `goto` when every condition holds."""

    when: list[Condition] = Field(default_factory=list)
    goto: str


class StepKind(StrEnum):
    """What a step does."""

    FORM = "form"
    READBACK = "readback"
    """Read the answers back to the caller before submitting."""
    END = "end"


class Step(Model):
    """One page of a script: prompts read aloud, fields to fill, where to go next."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: LocalizedText
    kind: StepKind = StepKind.FORM
    prompt: LocalizedText = ""
    fields: list[FieldDef] = Field(default_factory=list)
    branches: list[Branch] = Field(default_factory=list)
    next: str | None = Field(default=None, description="Next step when no branch matches.")
    priority: int | None = Field(
        default=None, ge=1, le=5, description="A ticket whose route passes here gets at least this priority."
    )
    files_ticket: bool = Field(
        default=True,
        description="End steps: finishing here files a ticket; false when the call ends without one "
        "(a planned outage explained, a tripped breaker reset).",
    )


class ScreenSummary(Model):
    """A screen as listed by `GET /v1/screens`."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: LocalizedText
    ticket_type: TicketType | None = None
    version: int = 1


class ScreenDefinition(ScreenSummary):
    """A whole call screen: its steps in order; the first step is where it starts."""

    steps: list[Step] = Field(min_length=1)
    subject_fields: list[str] = Field(
        default_factory=list, description="Field ids whose answers, in order, make the ticket's subject."
    )

    @model_validator(mode="after")
    def _targets_exist(self) -> ScreenDefinition:
        ids = [step.id for step in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        known = set(ids)
        for step in self.steps:
            targets = [b.goto for b in step.branches] + ([step.next] if step.next else [])
            for target in targets:
                if target not in known:
                    raise ValueError(f"step {step.id!r} goes to unknown step {target!r}")
        return self


class ScreensReloaded(Model):
    """Answer of `POST /v1/screens/reload`: what the screens folder brought."""

    added: list[ScreenSummary] = Field(
        default_factory=list, description="Screen versions stored for the first time."
    )
    current: list[ScreenSummary] = Field(
        default_factory=list, description="The version of every screen that desks get from now on."
    )
    problems: list[str] = Field(
        default_factory=list,
        description="Files not loaded, and edits refused because their version was not raised.",
    )
