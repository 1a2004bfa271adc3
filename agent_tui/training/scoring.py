"""Scoring a finished training call against its scenario: a score card out of 100 that says what was missed.

Pure and deterministic: the same scenario and attempt always give the same card. Each item has a weight;
the weights of the items that apply to a scenario are shared out as whole points summing to exactly 100
(largest remainder), so a perfect attempt scores 100 whatever the scenario checks. Texts are English
source strings with `{name}` parameters, translated by the UI (`agent_tui/locales/zh/training.json`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from agent_tui.domain.base import JsonScalar, LocalizedText, localized
from agent_tui.domain.expectation import FieldExpectation
from agent_tui.domain.screen import FieldDef, FieldType, ScreenDefinition, StepKind
from agent_tui.domain.ticket import TicketCreate, TicketType
from agent_tui.domain.training import Attempt, Scenario, ScoreCard, ScoreLine
from agent_tui.forms.messages import english
from agent_tui.forms.runner import FormRun
from agent_tui.i18n import SUPPORTED_LANGUAGES

W_SCREEN = 4
W_END = 3
W_TICKET = 3
W_FIELDS = 35
"""Shared by the expected fields."""
W_READBACK = 20
"""The read-back above all: one item weighs more than all other required steps together."""
W_STEPS = 10
"""Shared by the other required steps."""
W_PRIORITY = 5
W_ESCALATION = 10
W_TIME = 10
W_HOLD = 5
W_TRANSFERS = 5
TYPE_NAMES: dict[str, str] = {
    TicketType.REPAIR.value: "repair",
    TicketType.COMPLAINT.value: "complaint",
    TicketType.CONSULTATION.value: "consultation",
    TicketType.SUGGESTION.value: "suggestion or praise",
    TicketType.APPLICATION.value: "service application",
}
"""Order types as the score card names them: English source strings, translated when the card is shown."""
TICKET_TYPE = "ticket_type"
TERMS: dict[str, dict[str, str]] = {TICKET_TYPE: TYPE_NAMES}
"""Vocabularies of the codes a score line's params may hold (`ScoreLine.terms`): code → English source."""
YES = {"en": "yes", "zh": "是"}
NO = {"en": "no", "zh": "否"}
"""A yes/no answer as the score card names it, in the scenario's language."""
READBACK_STEP = "readback"
"""The id the shipped screens give their read-back step (used when no screen is passed)."""


@dataclass(frozen=True)
class _Item:
    key: str
    weight: float
    text: str
    params: Mapping[str, str | int | float]
    earned: float
    """Share of the item earned, 0..1."""
    critical: bool = False
    terms: Mapping[str, str] | None = None
    """Params holding a code, by vocabulary (see `ScoreLine.terms`)."""
    names: Mapping[str, Mapping[str, str]] | None = None
    """Params naming something of the screen, in each shipped language (see `ScoreLine.names`)."""


def attempt_from_run(
    run: FormRun,
    scenario_id: str,
    *,
    talk_s: float,
    hold_s: float = 0.0,
    holds: int = 0,
    transfers: int = 0,
    escalated: bool = False,
    step_seconds: Mapping[str, float] | None = None,
) -> Attempt:
    """What the trainee did, read from their form run and the call's timings."""
    ticket = run.to_ticket(training=True, translate=english) if run.files_ticket else None
    route = [step.id for step in run.route]
    return Attempt(
        scenario_id=scenario_id,
        screen_id=run.screen.id,
        visited=run.visited,
        route=route,
        readback_done=run.readback_done,
        step_seconds=dict(step_seconds or {}),
        completed=run.complete,
        end_step=route[-1] if run.complete else None,
        answers={field_def.id: value for field_def, value in run.route_answers()},
        ticket=ticket,
        escalated=escalated,
        talk_s=talk_s,
        hold_s=hold_s,
        holds=holds,
        transfers=transfers,
    )


def score(scenario: Scenario, attempt: Attempt, screen: ScreenDefinition | None = None) -> ScoreCard:
    """The score card of `attempt`; pass the scenario's screen to show field labels and choice names."""
    items = [*_outcome(scenario, attempt, screen), *_fields(scenario, attempt, screen),
             *_steps(scenario, attempt, screen), *_priority(scenario, attempt), *_timing(scenario, attempt)]
    possible = _apportion([item.weight for item in items], 100)
    lines: list[ScoreLine] = []
    for item, points in zip(items, possible, strict=True):
        earned = points if item.earned >= 1 else math.floor(points * max(0.0, item.earned))
        lines.append(ScoreLine(key=item.key, text=item.text, params=dict(item.params),
                               terms=dict(item.terms or {}),
                               names={k: dict(v) for k, v in (item.names or {}).items()},
                               points=earned, possible=points))
    total = sum(line.points for line in lines)
    critical_ok = all(item.earned >= 1 for item in items if item.critical)
    return ScoreCard(scenario_id=scenario.id, total=total, passed=total >= scenario.pass_mark and critical_ok,
                     lines=lines, pass_mark=scenario.pass_mark)


def render_card(card: ScoreCard, translate: Callable[..., str] = english,
                language: str | None = None) -> list[str]:
    """The card as lines of text in the UI language (`language`, the translator's): `points/possible
    text`, then the total."""
    rows = [f"{line.points:>3}/{line.possible:<3} {line_text(line, translate, language)}"
            for line in card.lines]
    rows.append(translate("Total {total} of {possible}", total=card.total, possible=card.possible))
    return rows


def line_text(line: ScoreLine, translate: Callable[..., str] = english, language: str | None = None) -> str:
    """One item's text, translated whole in one language: codes among its params (an order type) are
    named by the same translator as the sentence around them, names from the screen (a field's label)
    in `language`, the translator's. A code no vocabulary knows (a card stored before codes, whose params
    hold the name itself) is shown as it is; without `language`, names are the scenario's."""
    params = dict(line.params)
    for name, texts in line.names.items():
        if language is not None and texts.get(language):
            params[name] = texts[language]
    for name, vocabulary in line.terms.items():
        source = TERMS.get(vocabulary, {}).get(str(params.get(name, "")))
        if source is not None:
            params[name] = translate(source)
    return translate(line.text, **params)


def verdict(card: ScoreCard, translate: Callable[..., str] = english) -> str:
    """Whether the attempt passed, with the pass mark when the card knows it."""
    if card.pass_mark is None:
        return translate("Passed.") if card.passed else translate("Not passed yet: look at the ✗ items.")
    if card.passed:
        return translate("Passed: the pass mark is {mark}.", mark=card.pass_mark)
    if card.total >= card.pass_mark:
        # The total is enough, but an item every attempt must get right (an emergency's escalation) failed.
        return translate(
            "Not passed yet: {total} reaches the pass mark of {mark}, but a ✗ item must be right.",
            total=card.total, mark=card.pass_mark)
    return translate("Not passed yet: the pass mark is {mark}; look at the ✗ items.", mark=card.pass_mark)


# --- items ---------------------------------------------------------------------------------------------


def _outcome(scenario: Scenario, attempt: Attempt, screen: ScreenDefinition | None) -> list[_Item]:
    items: list[_Item] = []
    expected_screen = scenario.screen_id
    # The expected screen by its title when it was passed (in every language), else by its id.
    names = {"screen": _in_each(screen.title if screen is not None and screen.id == expected_screen
                                else expected_screen),
             "used": _in_each(attempt.screen_id or "-")}
    if attempt.screen_id == expected_screen:
        items.append(_named("outcome:screen", W_SCREEN, "Used the right screen ({screen})",
                            names, ("screen",), scenario.language, 1))
    else:
        items.append(_named("outcome:screen", W_SCREEN, "Used the {used} screen instead of {screen}",
                            names, ("used", "screen"), scenario.language, 0))
    wanted_end = scenario.expected.end_step
    if not attempt.completed:
        items.append(_Item("outcome:end", W_END, "The script was not finished", {}, 0))
    elif wanted_end is not None and attempt.end_step != wanted_end:
        items.append(_Item("outcome:end", W_END, "The script ended at {step} instead of {expected}",
                           {"step": attempt.end_step or "-", "expected": wanted_end}, 0))
    else:
        items.append(_Item("outcome:end", W_END, "The script was finished", {}, 1))
    items.append(_ticket_item(scenario.expected.ticket_type, attempt.ticket))
    return items


def _ticket_item(wanted: TicketType | None, ticket: TicketCreate | None) -> _Item:
    # Order types are kept as codes (`repair`): the card names them when shown, in the card's language,
    # not in the scenario's (a Chinese scenario on an English screen read "Filed a 故障报修 order").
    one = {"type": TICKET_TYPE}
    if wanted is None:
        if ticket is None:
            return _Item("outcome:ticket", W_TICKET, "No order filed, as the call needed", {}, 1)
        return _Item("outcome:ticket", W_TICKET, "A {type} order was filed although none was needed",
                     {"type": ticket.ticket_type.value}, 0, terms=one)
    if ticket is None:
        return _Item("outcome:ticket", W_TICKET, "No order was filed; a {type} order was needed",
                     {"type": wanted.value}, 0, terms=one)
    if ticket.ticket_type != wanted:
        return _Item("outcome:ticket", W_TICKET, "A {type} order was filed instead of {expected}",
                     {"type": ticket.ticket_type.value, "expected": wanted.value}, 0,
                     terms={**one, "expected": TICKET_TYPE})
    return _Item("outcome:ticket", W_TICKET, "Filed a {type} order", {"type": wanted.value}, 1, terms=one)


def _fields(scenario: Scenario, attempt: Attempt, screen: ScreenDefinition | None) -> list[_Item]:
    expected = scenario.expected.fields
    if not expected:
        return []
    defs = _field_defs(screen)
    captured: dict[str, JsonScalar] = dict(attempt.answers)
    if attempt.ticket is not None:
        captured.update(attempt.ticket.fields)
    share = W_FIELDS / len(expected)
    items: list[_Item] = []
    for field_id, expectation in expected.items():
        field_def = defs.get(field_id)
        value = captured.get(field_id)
        # Named in every shipped language: the card shows the one it is drawn in, not the scenario's.
        names = {"field": _in_each(field_def.label if field_def else field_id),
                 "expected": {lang: _describe(expectation, field_def, lang) for lang in SUPPORTED_LANGUAGES},
                 "value": {lang: _show(value, field_def, lang) for lang in SUPPORTED_LANGUAGES}}
        key = f"field:{field_id}"
        if value is None:
            items.append(_named(key, share, "{field} was not captured (expected {expected})",
                                names, ("field", "expected"), scenario.language, 0))
        elif expectation.matches(value):
            items.append(_named(key, share, "{field} captured correctly: {value}",
                                names, ("field", "value"), scenario.language, 1))
        else:
            items.append(_named(key, share, "{field}: expected {expected}, got {value}",
                                names, ("field", "expected", "value"), scenario.language, 0))
    return items


def _in_each(text: LocalizedText) -> dict[str, str]:
    """A screen's text in every shipped language."""
    return {language: localized(text, language) for language in SUPPORTED_LANGUAGES}


def _named(key: str, weight: float, text: str, names: Mapping[str, Mapping[str, str]], used: Sequence[str],
           language: str, earned: float) -> _Item:
    """An item whose params are names: the scenario's in `params`, every language's where they differ."""
    params = {name: names[name][language] for name in used}
    differ = {name: names[name] for name in used if len(set(names[name].values())) > 1}
    return _Item(key, weight, text, params, earned, names=differ)


def _steps(scenario: Scenario, attempt: Attempt, screen: ScreenDefinition | None) -> list[_Item]:
    readback_ids = ({step.id for step in screen.steps if step.kind == StepKind.READBACK}
                    if screen is not None else {READBACK_STEP})
    titles = {step.id: _in_each(step.title) for step in screen.steps} if screen else {}
    needs_readback = scenario.expected.ticket_type is not None or any(
        step_id in readback_ids for step_id in scenario.required_steps)
    items: list[_Item] = []
    if needs_readback:
        spent = sum(attempt.step_seconds.get(step_id, 0.0) for step_id in readback_ids)
        too_quick = bool(attempt.step_seconds) and spent < scenario.targets.min_readback_s
        if attempt.readback_done and too_quick:
            items.append(_Item("step:readback", W_READBACK,
                               "Skipped the read-back: {time} is too quick to read the details to the caller",
                               {"time": _clock(spent)}, 0))
        elif attempt.readback_done:
            items.append(_Item("step:readback", W_READBACK, "Read the details back to the caller", {}, 1))
        else:
            items.append(_Item("step:readback", W_READBACK,
                               "Skipped the read-back: the details were not read back to the caller", {}, 0))
    others = [step_id for step_id in scenario.required_steps if step_id not in readback_ids]
    for step_id in others:
        names = {"step": titles.get(step_id) or _in_each(step_id)}
        done = step_id in attempt.route
        items.append(_named(f"step:{step_id}", W_STEPS / len(others),
                            "Went through the step {step}" if done else "Missed the required step {step}",
                            names, ("step",), scenario.language, 1 if done else 0))
    return items


def _priority(scenario: Scenario, attempt: Attempt) -> list[_Item]:
    items: list[_Item] = []
    ticket = attempt.ticket
    wanted = scenario.expected.priority
    if wanted is not None:
        if ticket is not None and ticket.priority == wanted:
            items.append(_Item("priority", W_PRIORITY, "Order priority {priority}", {"priority": wanted}, 1))
        else:
            items.append(_Item("priority", W_PRIORITY, "Order priority {priority} instead of {expected}",
                               {"priority": ticket.priority if ticket else "-", "expected": wanted}, 0))
    if scenario.expected.escalate:
        escalated = attempt.escalated or (ticket is not None and ticket.priority == 1)
        if escalated:
            items.append(_Item("escalation", W_ESCALATION, "Escalated as an emergency", {}, 1, critical=True))
        else:
            items.append(_Item("escalation", W_ESCALATION,
                               "Not escalated, although this call was an emergency", {}, 0, critical=True))
    return items


def _timing(scenario: Scenario, attempt: Attempt) -> list[_Item]:
    if not attempt.answered:
        # A call never answered took no time and had no hold or transfer: that earns nothing (it gave a
        # trainee who never picked up 17 points for "handling time 0:00, within the target").
        return [_Item("time", W_TIME, "The call was not answered", {}, 0),
                _Item("hold", W_HOLD, "No hold or transfer to judge: the call was not answered", {}, 0),
                _Item("transfers", W_TRANSFERS, "No hold or transfer to judge: the call was not answered",
                      {}, 0)]
    targets = scenario.targets
    handling = attempt.talk_s + attempt.hold_s
    target = float(targets.handling_s)
    times = {"time": _clock(handling), "target": _clock(target)}
    if handling <= target:
        time_item = _Item("time", W_TIME, "Handling time {time}, within the target of {target}", times, 1)
    else:
        # Full marks up to the target, none at twice the target, a straight line between.
        time_item = _Item("time", W_TIME, "Handling time {time}, over the target of {target}", times,
                          max(0.0, 2.0 - handling / target))
    hold = {"time": _clock(attempt.hold_s), "limit": _clock(targets.max_hold_s)}
    if targets.max_hold_s == 0:
        # "Hold time 0:00, within the limit of 0:00" says nothing: this call allows no hold at all.
        if attempt.hold_s <= 0:
            hold_item = _Item("hold", W_HOLD, "Did not put the caller on hold, as this call needs", {}, 1)
        else:
            hold_item = _Item("hold", W_HOLD, "Kept the caller on hold for {time}; this call allows no hold",
                              {"time": _clock(attempt.hold_s)}, 0)
    elif attempt.hold_s <= targets.max_hold_s:
        hold_item = _Item("hold", W_HOLD, "Hold time {time}, within the limit of {limit}", hold, 1)
    else:
        hold_item = _Item("hold", W_HOLD, "Kept the caller on hold for {time}, over the limit of {limit}",
                          hold, 0)
    moves = {"count": attempt.transfers, "limit": targets.max_transfers}
    if targets.max_transfers == 0:
        # As with hold: "Transfers: 0 (allowed 0)" reads oddly when the call allows none.
        if attempt.transfers == 0:
            transfer_item = _Item("transfers", W_TRANSFERS,
                                  "Kept the call without a transfer, as this call needs", {}, 1)
        else:
            transfer_item = _Item("transfers", W_TRANSFERS,
                                  "Transferred {count} times; this call allows none",
                                  {"count": attempt.transfers}, 0)
    elif attempt.transfers <= targets.max_transfers:
        transfer_item = _Item("transfers", W_TRANSFERS, "Transfers: {count} (allowed {limit})", moves, 1)
    else:
        transfer_item = _Item("transfers", W_TRANSFERS, "Transferred {count} times; allowed {limit}",
                              moves, 0)
    return [time_item, hold_item, transfer_item]


# --- helpers -------------------------------------------------------------------------------------------


def _apportion(weights: Sequence[float], total: int) -> list[int]:
    """Whole points proportional to `weights`, summing to `total` (largest remainder, ties to the first)."""
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    exact = [weight * total / whole for weight in weights]
    points = [math.floor(value) for value in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - points[i]), i))
    for index in order[: total - sum(points)]:
        points[index] += 1
    return points


def _field_defs(screen: ScreenDefinition | None) -> dict[str, FieldDef]:
    found: dict[str, FieldDef] = {}
    for step in screen.steps if screen else []:
        for field_def in step.fields:
            found.setdefault(field_def.id, field_def)
    return found


def _show(value: JsonScalar, field_def: FieldDef | None, language: str) -> str:
    if field_def is not None and field_def.type == FieldType.CHOICE:
        for choice in field_def.choices:
            if choice.value == value:
                return localized(choice.label, language)
    if isinstance(value, bool):
        # Words, not ✓/✗: a card marks its rows with those, and "captured correctly: ✗" read as a miss.
        return localized(YES if value else NO, language)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _describe(expectation: FieldExpectation, field_def: FieldDef | None, language: str) -> str:
    values = [expectation.equals] if expectation.equals is not None else expectation.one_of
    if values is not None:
        return " / ".join(_show(value, field_def, language) for value in values)
    return expectation.describe()


def _clock(seconds: float) -> str:
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
