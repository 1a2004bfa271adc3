"""A score card speaks one language: the one it is shown in, not the scenario's.

The card keeps order types as codes (`repair`); the whole line, type name included, is translated once
when the card is drawn. Checked both ways round: a Chinese scenario on an English screen and an English
scenario on a Chinese screen, through `render_card` and the trainer's `card_text`.
"""

from __future__ import annotations

import re

import pytest

from agent_tui.domain.ticket import TicketCreate, TicketType
from agent_tui.domain.training import Attempt, Scenario, ScoreCard, ScoreLine
from agent_tui.i18n import Translator
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios
from agent_tui.training.scoring import line_text, render_card, score
from agent_tui.ui.train.card_text import card_text

SCENARIOS = load_scenarios(bundled_scenarios_dir()).by_id()
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
