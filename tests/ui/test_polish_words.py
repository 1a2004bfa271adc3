"""Issue 15, words: outcome codes, knowledge-base categories and the wrap-up notes label in the UI
language, never as raw codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Input, TextArea

from agent_tui.domain.customer import ContactRecord
from agent_tui.i18n import Translator
from agent_tui.phone.events import CallEnded
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.outcomes import outcome_label
from agent_tui.ui.desk.customer_card import _contact
from agent_tui.ui.desk.history import HistoryScreen
from agent_tui.ui.desk.kb import KbScreen, category_label
from agent_tui.ui.desk.wrapup import WrapUpScreen
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, screen_text, wait_until


@pytest.mark.parametrize(("code", "en", "zh"), [
    ("local hangup", "Agent hung up", "坐席挂断"),
    ("remote hangup", "Caller hung up", "来电方挂断"),
    ("ticket_created", "Work order taken", "已建工单"),
])
def test_outcome_codes_read_as_words(code: str, en: str, zh: str) -> None:
    assert outcome_label(Translator("en"), code) == en
    assert outcome_label(Translator("zh"), code) == zh


def test_an_unknown_outcome_is_shown_cleaned() -> None:
    assert outcome_label(Translator("zh"), "sent_to\x1b[31m_voicemail") == "sent to voicemail"


def test_card_contacts_show_the_outcome_in_words() -> None:
    record = ContactRecord(id=1, customer_id=1, at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC), agent="li",
                           summary="电表", outcome="ticket_created")
    text = "".join(part if isinstance(part, str) else part[0] for part in _contact(Translator("zh"), record))
    assert "→ 已建工单" in text
    assert "ticket_created" not in text


def test_kb_categories_are_translated() -> None:
    zh = Translator("zh")
    assert [category_label(zh, c) for c in ("notice", "faq", "policy")] == ["公告", "常见问题", "政策"]
    assert category_label(zh, "local-only") == "local-only"


async def test_history_kb_and_wrapup_in_chinese() -> None:
    """One desk in Chinese: the call list says how the call ended, the KB result its category, the
    wrap-up's notes field has a label."""
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}),
                                options=DeskOptions(username="agent1", language="zh"))
    async with app.run_test(size=(100, 30)) as pilot:
        await answer_first_call(pilot, app, phone)
        phone.emit(CallEnded(call_id="c1", reason="local hangup", code=200, duration_s=3))
        await wait_until(pilot, lambda: app.desk.active_id is None, what="ended")
        await pilot.press("f10")
        await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen), what="wrap-up")
        wrapup = app.screen
        label = wrapup.query_one("#wrapup-notes-label")
        notes = wrapup.query_one("#wrapup-notes", TextArea)
        assert label.region.y < notes.region.y
        assert "备注" in screen_text(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, WrapUpScreen), what="wrap-up closed")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="history")
        text = screen_text(app)
        assert "坐席挂断" in text
        assert "local hangup" not in text
        await pilot.press("escape")
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, KbScreen), what="knowledge base")
        app.screen.query_one("#kb-query", Input).value = "电价"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "[资费]" in screen_text(app), what="the category in Chinese")
        assert "[tariff]" not in screen_text(app)
