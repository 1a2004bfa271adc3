"""Running a call screen: the current step, the answers so far, branching, going back, the read-back.

`FormRun` is pure and deterministic: it does no I/O (the translation catalog aside, when the caller does
not pass a translation function) and takes the wall clock as a function, so a test can fix it. Its whole
state goes to and from a JSON-ready dict, which is how drafts survive a crash.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from agent_tui.domain.base import JsonScalar, localized
from agent_tui.domain.screen import FieldDef, FieldType, ScreenDefinition, Step, StepKind
from agent_tui.domain.ticket import TicketCreate
from agent_tui.forms.conditions import condition_holds
from agent_tui.forms.messages import Message, Translate
from agent_tui.forms.prefill import PrefillContext, resolve_prefill
from agent_tui.forms.validate import REQUIRED, Invalid, validate

DRAFT_FORMAT = 1
SUBJECT_MAX = 200
DESCRIPTION_MAX = 20_000
DEFAULT_PRIORITY = 3

Clock = Callable[[], datetime]
"""Returns the local wall-clock time (naive), used for dates in the past or future."""

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class FormError(ValueError):
    """An operation the run cannot do now: advancing past errors, going back from the start,
    making a ticket before the end, setting a field that is not on the current step."""

    def __init__(self, message: Message, errors: Mapping[str, Message] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.errors: dict[str, Message] = dict(errors or {})


def local_now() -> datetime:
    """The local wall-clock time, naive: the default clock of a run."""
    return datetime.now()


class FormRun:
    """One agent filling one screen: where they are, what they answered, where they have been."""

    def __init__(
        self,
        screen: ScreenDefinition,
        *,
        language: str = "en",
        draft_id: str | None = None,
        customer_id: int | None = None,
        call_id: str | None = None,
        clock: Clock = local_now,
        translate: Translate | Callable[..., str] | None = None,
    ) -> None:
        self.screen = screen
        self.language = language
        self.draft_id = draft_id or uuid.uuid4().hex
        self.customer_id = customer_id
        self.call_id = call_id
        self.revision = 0
        """Goes up on every change; a draft store saves only when it moved."""
        self._clock = clock
        self._translate = translate
        self._steps = {step.id: step for step in screen.steps}
        self._fields: dict[str, FieldDef] = {}
        for step in screen.steps:
            for field_def in step.fields:
                self._fields.setdefault(field_def.id, field_def)
        self._step_id = screen.steps[0].id
        self._history: list[str] = []
        self._visited: list[str] = [self._step_id]
        self._answers: dict[str, JsonScalar] = {}
        self._raw: dict[str, JsonScalar] = {}
        self._errors: dict[str, Message] = {}
        self._prefilled: set[str] = set()

    # --- starting --------------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        screen: ScreenDefinition,
        context: PrefillContext | None = None,
        *,
        language: str = "en",
        draft_id: str | None = None,
        clock: Clock = local_now,
        translate: Translate | Callable[..., str] | None = None,
    ) -> FormRun:
        """A new run at the first step, with fields prefilled from the popped customer and the call."""
        context = context or PrefillContext()
        customer_id = resolve_prefill("customer.id", context)
        call_id = resolve_prefill("call.call_id", context)
        run = cls(
            screen,
            language=language,
            draft_id=draft_id,
            customer_id=customer_id if type(customer_id) is int else None,
            call_id=str(call_id) if call_id is not None else None,
            clock=clock,
            translate=translate,
        )
        for field_def in run._fields.values():
            if field_def.prefill is None:
                continue
            value = resolve_prefill(field_def.prefill, context)
            if value is None or value == "":
                continue
            run._apply(field_def, value)
            run._prefilled.add(field_def.id)
        run.revision = 0
        return run

    # --- reading ---------------------------------------------------------------------------------

    @property
    def step(self) -> Step:
        """The step on screen."""
        return self._steps[self._step_id]

    @property
    def answers(self) -> dict[str, JsonScalar]:
        """Every valid answer given, by field id (a copy)."""
        return dict(self._answers)

    @property
    def history(self) -> list[str]:
        """The steps passed on the way to the current one, first first (what `back` walks)."""
        return list(self._history)

    @property
    def route(self) -> list[Step]:
        """The steps from the first to the current one, as the agent went."""
        return [self._steps[step_id] for step_id in [*self._history, self._step_id]]

    @property
    def visited(self) -> list[str]:
        """Every step ever shown in this run, in order of first visit (also ones left by going back)."""
        return list(self._visited)

    @property
    def prefilled(self) -> frozenset[str]:
        """Fields whose first value came from the customer record or the call."""
        return frozenset(self._prefilled)

    @property
    def readback_done(self) -> bool:
        """Whether the agent went through a read-back step on the current route (scoring asks)."""
        return any(self._steps[step_id].kind == StepKind.READBACK for step_id in self._history)

    @property
    def complete(self) -> bool:
        """Whether the run reached an end step."""
        return self.step.kind == StepKind.END

    @property
    def files_ticket(self) -> bool:
        """Whether finishing here makes a work order (some ends only inform; a status query never does)."""
        return self.complete and self.step.files_ticket and self.screen.ticket_type is not None

    @property
    def can_go_back(self) -> bool:
        """Whether there is a step to go back to."""
        return bool(self._history)

    def field(self, field_id: str) -> FieldDef:
        """The definition of a field of this screen; KeyError when there is none."""
        return self._fields[field_id]

    def value(self, field_id: str) -> JsonScalar:
        """The valid answer of a field, or None."""
        return self._answers.get(field_id)

    def text(self, field_id: str) -> str:
        """What to show in the field's input: what the agent typed, else the answer, else nothing."""
        raw = self._raw.get(field_id, self._answers.get(field_id))
        if raw is None:
            return ""
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        return str(raw)

    def error(self, field_id: str) -> Message | None:
        """Why the field's current input is refused, if it is."""
        return self._errors.get(field_id)

    def step_errors(self, step: Step | None = None) -> dict[str, Message]:
        """What stops the agent leaving `step` (default: the current one), by field id."""
        problems: dict[str, Message] = {}
        for field_def in (step or self.step).fields:
            if field_def.id in self._errors:
                problems[field_def.id] = self._errors[field_def.id]
            elif field_def.required and self._answers.get(field_def.id) is None:
                problems[field_def.id] = Message(REQUIRED)
        return problems

    @property
    def can_advance(self) -> bool:
        """Whether `next()` would succeed."""
        return not self.complete and not self.step_errors()

    def prompt(self, step: Step | None = None, **values: str) -> str:
        """The script the agent reads aloud on `step`, in the run's language.

        `{agent}`-style placeholders are filled from `values`; unknown ones stay as written, so a
        prompt never fails to show.
        """
        text = localized((step or self.step).prompt, self.language)
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)

    def title(self, step: Step | None = None) -> str:
        """A step's title in the run's language."""
        return localized((step or self.step).title, self.language)

    def label(self, field_def: FieldDef) -> str:
        """A field's label in the run's language."""
        return localized(field_def.label, self.language)

    # --- changing --------------------------------------------------------------------------------

    def set(self, field_id: str, raw: JsonScalar) -> Message | None:
        """Enter `raw` into a field of the current step: the error, or None when accepted."""
        field_def = next((f for f in self.step.fields if f.id == field_id), None)
        if field_def is None:
            raise FormError(Message("Field {field} is not on this step.", {"field": field_id}))
        message = self._apply(field_def, raw)
        self.revision += 1
        return message

    def _apply(self, field_def: FieldDef, raw: JsonScalar) -> Message | None:
        outcome = validate(field_def, raw, now=self._clock())
        self._raw[field_def.id] = raw
        if isinstance(outcome, Invalid):
            self._answers.pop(field_def.id, None)
            self._errors[field_def.id] = outcome.message
            return outcome.message
        self._errors.pop(field_def.id, None)
        if outcome.value is None:
            self._answers.pop(field_def.id, None)
            self._raw.pop(field_def.id, None)
        else:
            self._answers[field_def.id] = outcome.value
        return None

    def target(self) -> str | None:
        """Where `next()` would go from the current step with the answers so far.

        Only answers on the current route count: an answer left behind on a branch the agent backed
        out of must not steer the script.
        """
        step = self.step
        on_route = {field_id: value for field_id, (_, value) in self.route_answers_by_id()}
        for branch in step.branches:
            if all(condition_holds(condition, on_route) for condition in branch.when):
                return branch.goto
        return step.next

    def next(self) -> Step:
        """Leave the current step for the one its branches (in order) or its `next` choose."""
        if self.complete:
            raise FormError(Message("The screen is finished."))
        problems = self.step_errors()
        if problems:
            raise FormError(Message("Some fields need attention."), problems)
        target = self.target()
        if target is None or target not in self._steps:
            raise FormError(Message("This step does not say where to go next."))
        self._history.append(self._step_id)
        self._step_id = target
        if target not in self._visited:
            self._visited.append(target)
        self.revision += 1
        return self.step

    def back(self) -> Step:
        """Return to the previous step; the answers stay."""
        if not self._history:
            raise FormError(Message("This is the first step."))
        self._step_id = self._history.pop()
        self.revision += 1
        return self.step

    # --- read-back and ticket --------------------------------------------------------------------

    def route_answers(self) -> Iterator[tuple[FieldDef, JsonScalar]]:
        """Each answered field on the route so far, once, in the order the agent met it."""
        seen: set[str] = set()
        for step in self.route:
            for field_def in step.fields:
                value = self._answers.get(field_def.id)
                if field_def.id not in seen and value is not None:
                    seen.add(field_def.id)
                    yield field_def, value

    def _translator(self, translate: Translate | Callable[..., str] | None) -> Callable[..., str]:
        if translate is not None:
            return translate
        if self._translate is None:
            # The UI normally passes its own; this keeps tickets readable when it does not.
            from agent_tui.i18n import Translator

            self._translate = Translator(self.language).t
        return self._translate

    def display(self, field_def: FieldDef, value: JsonScalar,
                translate: Translate | Callable[..., str] | None = None) -> str:
        """An answer as people read it: choice labels, yes/no, numbers without `.0`."""
        tr = self._translator(translate)
        if field_def.type == FieldType.CHOICE:
            for choice in field_def.choices:
                if choice.value == value:
                    return localized(choice.label, self.language)
        if isinstance(value, bool):
            return str(tr("Yes") if value else tr("No"))
        if field_def.type == FieldType.DATETIME and isinstance(value, str):
            return value.replace("T", " ")
        return "" if value is None else str(value)

    def readback(self, translate: Translate | Callable[..., str] | None = None) -> list[tuple[str, str]]:
        """(label, value) of every answer on the route, in the run's language: what is read back."""
        return [(self.label(f), self.display(f, v, translate)) for f, v in self.route_answers()]

    def readback_text(self, translate: Translate | Callable[..., str] | None = None) -> str:
        """The read-back as lines of `label: value`."""
        tr = self._translator(translate)
        return "\n".join(str(tr("{label}: {value}", label=label, value=value))
                         for label, value in self.readback(translate))

    def subject(self, translate: Translate | Callable[..., str] | None = None) -> str:
        """A one-line subject: the screen title and the answers `subject_fields` name (or the first
        choice answered)."""
        return subject_text(self.screen, self.language, list(self.route_answers()),
                            lambda field_def, value: self.display(field_def, value, translate))

    def route_answers_by_id(self) -> Iterator[tuple[str, tuple[FieldDef, JsonScalar]]]:
        """`route_answers` keyed by field id."""
        for field_def, value in self.route_answers():
            yield field_def.id, (field_def, value)

    def to_ticket(self, customer_id: int | None = None, call_id: str | None = None, *,
                  training: bool = False,
                  translate: Translate | Callable[..., str] | None = None) -> TicketCreate:
        """The work order this run files; ids default to the ones the run started with."""
        if not self.complete:
            raise FormError(Message("The screen is not finished."))
        if not self.files_ticket or self.screen.ticket_type is None:
            raise FormError(Message("This screen does not file a work order."))
        priorities = [step.priority for step in self.route if step.priority is not None]
        return TicketCreate(
            ticket_type=self.screen.ticket_type,
            customer_id=customer_id if customer_id is not None else self.customer_id,
            call_id=call_id if call_id is not None else self.call_id,
            screen_id=self.screen.id,
            screen_version=self.screen.version,
            subject=self.subject(translate),
            description=_clip(self.readback_text(translate), DESCRIPTION_MAX),
            fields={field_def.id: value for field_def, value in self.route_answers()},
            priority=min([DEFAULT_PRIORITY, *priorities]),
            training=training,
        )

    # --- drafts ----------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The whole state, JSON-ready."""
        return {
            "format": DRAFT_FORMAT,
            "screen_id": self.screen.id,
            "screen_version": self.screen.version,
            "draft_id": self.draft_id,
            "language": self.language,
            "customer_id": self.customer_id,
            "call_id": self.call_id,
            "step": self._step_id,
            "history": list(self._history),
            "visited": list(self._visited),
            "answers": dict(self._answers),
            "raw": {key: value for key, value in self._raw.items() if key not in self._answers
                    or value != self._answers[key]},
            "prefilled": sorted(self._prefilled),
            "revision": self.revision,
        }

    @classmethod
    def from_dict(cls, screen: ScreenDefinition, data: Mapping[str, Any], *, clock: Clock = local_now,
                  translate: Translate | Callable[..., str] | None = None) -> FormRun:
        """Rebuild a run saved by `to_dict`; every answer is checked again against `screen`.

        Raises FormError when the data does not fit the screen (another screen, a step that no longer
        exists); answers to fields the screen no longer has are dropped.
        """
        if data.get("format") != DRAFT_FORMAT or data.get("screen_id") != screen.id:
            raise FormError(Message("The draft does not belong to this screen."))
        steps = {step.id for step in screen.steps}
        route = [*data.get("history", []), data.get("step")]
        if not all(isinstance(step_id, str) and step_id in steps for step_id in route):
            raise FormError(Message("The draft does not belong to this screen."))
        customer_id = data.get("customer_id")
        call_id = data.get("call_id")
        run = cls(
            screen,
            language=str(data.get("language", "en")),
            draft_id=str(data.get("draft_id") or "") or None,
            customer_id=customer_id if type(customer_id) is int else None,
            call_id=call_id if isinstance(call_id, str) else None,
            clock=clock,
            translate=translate,
        )
        run._step_id = route[-1]
        run._history = route[:-1]
        visited = [s for s in data.get("visited", []) if isinstance(s, str) and s in steps]
        run._visited = list(dict.fromkeys([*visited, *route]))
        answers, raws = (_scalars(data.get(source)) for source in ("answers", "raw"))
        for field_id, value in answers.items():
            # The saved answer, not the typed text, is checked again: "today" typed yesterday is
            # yesterday's date. The typed text is kept for display when the answer still stands.
            accepted = field_id in run._fields and run._apply(run._fields[field_id], value) is None
            if accepted and field_id in raws:
                run._raw[field_id] = raws[field_id]
        for field_id, value in raws.items():
            if field_id in run._fields and field_id not in answers:
                run._apply(run._fields[field_id], value)
        run._prefilled = {f for f in data.get("prefilled", []) if isinstance(f, str) and f in run._fields}
        revision = data.get("revision", 0)
        run.revision = revision if type(revision) is int else 0
        return run


def _scalars(entries: object) -> dict[str, JsonScalar]:
    if not isinstance(entries, Mapping):
        return {}
    return {str(k): v for k, v in entries.items() if v is None or isinstance(v, str | int | float | bool)}


def subject_text(screen: ScreenDefinition, language: str, answered: list[tuple[FieldDef, JsonScalar]],
                 display: Callable[[FieldDef, JsonScalar], str]) -> str:
    """A work order's one-line subject in `language`: the screen's title and the answers its
    `subject_fields` name (or the first choice answered), each shown by `display`.

    The one rule for both the filing desk (`FormRun.subject`) and a desk that shows someone else's
    order in its own language (`agent_tui.ui.desk.ticket_subject`).
    """
    by_id = {field_def.id: (field_def, value) for field_def, value in answered}
    ids = list(screen.subject_fields) or [f.id for f, _ in answered if f.type == FieldType.CHOICE][:1]
    parts = [localized(screen.title, language)]
    parts += [display(*by_id[field_id]) for field_id in ids if field_id in by_id]
    return _clip(" · ".join(part for part in parts if part), SUBJECT_MAX)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

