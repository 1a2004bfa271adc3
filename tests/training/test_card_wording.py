"""What a score card says (issue 15): a passed row never shows ✗, a call that allows no hold does not read
"within the limit of 0:00", and the card states its pass mark."""

from __future__ import annotations

from agent_tui.i18n import Translator
from agent_tui.training.scoring import render_card, verdict
from tests.training.test_scoring import _card


def test_a_correct_no_answer_is_a_word_not_a_cross() -> None:
    card = _card("repair_wire_down_en")
    hurt = next(line for line in card.lines if line.key == "field:people_hurt")
    assert hurt.ok
    row = render_card(card)[card.lines.index(hurt)]
    assert "✗" not in row, row
    assert row.endswith(": no"), row
    chinese = render_card(_card("repair_wire_down_zh"), Translator("zh").t)
    assert not any("✗" in row for row in chinese), chinese


def test_a_call_that_allows_no_hold_says_so() -> None:
    held = _card("repair_wire_down_en", hold_s=12)
    clean = _card("repair_wire_down_en")
    rows = render_card(clean) + render_card(held)
    assert not any("limit of 0:00" in row for row in rows), rows
    assert next(line for line in clean.lines if line.key == "hold").text == (
        "Did not put the caller on hold, as this call needs")
    missed = {line.key: line for line in held.missed}
    assert missed["hold"].params == {"time": "0:12"}
    assert "allows no hold" in render_card(held)[held.lines.index(missed["hold"])]


def test_a_call_that_allows_no_transfer_says_so() -> None:
    card = _card("repair_wire_down_en")
    line = next(line for line in card.lines if line.key == "transfers")
    assert line.ok
    assert line.text == "Kept the call without a transfer, as this call needs"
    assert not any("(allowed 0)" in row for row in render_card(card))


def test_the_card_states_its_pass_mark() -> None:
    passed = _card("repair_wire_down_en")
    failed = _card("repair_wire_down_en", readback_s=0.8)
    assert passed.pass_mark == 85
    assert verdict(passed) == "Passed: the pass mark is 85."
    assert not failed.passed
    assert verdict(failed) == "Not passed yet: the pass mark is 85; look at the ✗ items."
    assert verdict(failed, Translator("zh").t) == "尚未通过：及格线为 85 分；请查看标 ✗ 的项目。"
