"""A score card speaks one language: the one it is shown in, not the scenario's.

The card keeps order types as codes (`repair`); the whole line, type name included, is translated once
when the card is drawn, and what it names from the screen (a field's label, a choice, a step, the screen)
is kept in every shipped language and shown in the card's. Checked both ways round: a Chinese scenario on
an English screen and an English scenario on a Chinese screen, through `render_card` and the trainer's
`card_text`. Only what the caller said (an address, a name) stays as said.
"""

from __future__ import annotations

import re

import pytest

from agent_tui.domain.ticket import TicketCreate, TicketType
from agent_tui.domain.training import Attempt, Scenario, ScoreCard, ScoreLine
from agent_tui.forms.loader import bundled_screens_dir, load_screens
from agent_tui.i18n import Translator
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios
from agent_tui.training.scoring import attempt_from_run, line_text, render_card, score
from agent_tui.ui.train.card_text import card_text
from tests.training.play import play

SCREENS = load_screens(bundled_screens_dir()).by_id()
SCENARIOS = load_scenarios(bundled_scenarios_dir(), SCREENS).by_id()
CJK = re.compile(r"[\u3400-\u9fff]")
EN = Translator("en")
ZH = Translator("zh")


def _repair_scenario(language: str) -> Scenario:
    return next(s for s in SCENARIOS.values()
                if s.language == language and s.expected.ticket_type == TicketType.REPAIR)


def _card(scenario: Scenario, filed: TicketType | None) -> ScoreCard:
    ticket = (TicketCreate(ticket_type=filed, subject="wire down", description="sparks")
              if filed is not None else None)
    attempt = Attempt(scenario_id=scenario.id, screen_id=scenario.screen_id, completed=True, ticket=ticket)
    return score(scenario, attempt)


def _ticket_line(card: ScoreCard) -> ScoreLine:
    return next(line for line in card.lines if line.key == "outcome:ticket")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_stored_line_holds_the_order_type_as_a_code(language: str) -> None:
    line = _ticket_line(_card(_repair_scenario(language), TicketType.REPAIR))
    assert (line.text, line.params, line.terms) == ("Filed a {type} order", {"type": "repair"},
                                                    {"type": "ticket_type"})


def test_a_chinese_scenario_on_an_english_screen_reads_english_only() -> None:
    card = _card(_repair_scenario("zh"), TicketType.REPAIR)
    assert line_text(_ticket_line(card), EN.t) == "Filed a repair order"
    shown = card_text(card, EN.t).plain
    assert "Filed a repair order" in shown
    ticket_row = next(row for row in render_card(card, EN.t) if "order" in row)
    assert not CJK.search(ticket_row), ticket_row


def test_an_english_scenario_on_a_chinese_screen_reads_chinese_only() -> None:
    card = _card(_repair_scenario("en"), TicketType.REPAIR)
    assert line_text(_ticket_line(card), ZH.t) == "已建故障报修工单"
    assert "已建故障报修工单" in card_text(card, ZH.t).plain
    ticket_row = next(row for row in render_card(card, ZH.t) if "工单" in row)
    assert not re.search("[A-Za-z]", ticket_row), ticket_row


@pytest.mark.parametrize(("translator", "expected"), [
    (EN, "A complaint order was filed instead of repair"),
    (ZH, "建了投诉工单，应建故障报修工单"),
])
def test_a_wrong_type_names_both_types_in_the_cards_language(translator: Translator, expected: str) -> None:
    for language in ("zh", "en"):
        line = _ticket_line(_card(_repair_scenario(language), TicketType.COMPLAINT))
        assert line.points == 0
        assert line_text(line, translator.t) == expected


def test_a_missing_order_is_named_in_the_cards_language() -> None:
    line = _ticket_line(_card(_repair_scenario("zh"), None))
    assert line_text(line, EN.t) == "No order was filed; a repair order was needed"
    assert line_text(line, ZH.t) == "未建工单，应建故障报修工单"


def test_a_card_stored_before_codes_still_reads_as_it_was_stored() -> None:
    # Cards stored by earlier versions hold the scenario-language name itself and no terms.
    old = ScoreLine(key="outcome:ticket", text="Filed a {type} order", params={"type": "故障报修"},
                    points=3, possible=3)
    assert line_text(old, ZH.t) == "已建故障报修工单"
    # A code nobody knows under a vocabulary is shown as it is, never dropped.
    odd = old.model_copy(update={"params": {"type": "mystery"}, "terms": {"type": "ticket_type"}})
    assert line_text(odd, EN.t) == "Filed a mystery order"


def _played(scenario_id: str) -> tuple[ScoreCard, list[str]]:
    """The card of a whole attempt played by the book, and what the caller said (their own words)."""
    scenario = SCENARIOS[scenario_id]
    screen = SCREENS[scenario.screen_id]
    run = play(scenario, screen, None)
    attempt = attempt_from_run(run, scenario.id, step_seconds={s.id: 15.0 for s in run.route},
                               talk_s=scenario.targets.handling_s * 0.5)
    said = [v for v in attempt.answers.values() if isinstance(v, str) and not v.isdigit()]
    return score(scenario, attempt, screen), said


@pytest.mark.parametrize(("scenario_id", "translator", "foreign", "expected_rows"), [
    ("repair_wire_down_zh", EN, CJK,
     ["Used the right screen (Fault report)", "Anyone hurt captured correctly: no",
      "Went through the step Contact", "Filed a repair order"]),
    ("repair_wire_down_en", ZH, re.compile("[A-Za-z]"),
     ["使用了正确的受理界面（故障报修）", "是否有人员受伤记录正确：否", "已完成步骤：联系人",
      "已建故障报修工单"]),
])
def test_the_whole_card_reads_in_the_language_it_is_shown_in(
    scenario_id: str, translator: Translator, foreign: re.Pattern[str], expected_rows: list[str],
) -> None:
    card, said = _played(scenario_id)
    assert card.total == 100
    shown = card_text(card, translator.t, language=translator.language).plain
    for row in expected_rows:
        assert row in shown
    rows = render_card(card, translator.t, translator.language)
    for row in rows:
        for words in said:
            row = row.replace(words, "")
        assert not foreign.search(row), row
    # Drawn without a language (an older caller of render_card), names stay the scenario's.
    assert any(foreign.search(row) for row in render_card(card, translator.t))
