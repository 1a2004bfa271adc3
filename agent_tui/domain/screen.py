"""Scripted call screens (动态脚本): steps, typed fields and branches, loaded from `screens/*.toml`."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

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

    @model_validator(mode="after")
    def _choices_for_choice_fields(self) -> FieldDef:
        if self.type == FieldType.CHOICE and not self.choices:
            raise ValueError(f"field {self.id!r} is a choice field without choices")
        return self


class Condition(Model):
    """A test on an answer given so far."""

    field: str
    equals: JsonScalar | None = None
    one_of: list[JsonScalar] | None = None


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


class ScreenSummary(Model):
    """A screen as listed by `GET /v1/screens`."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: LocalizedText
    ticket_type: TicketType | None = None
    version: int = 1


class ScreenDefinition(ScreenSummary):
    """A whole call screen: its steps in order; the first step is where it starts."""

    steps: list[Step] = Field(min_length=1)

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
