"""Issue 15: a priority-1 emergency order is marked URGENT on the card and in the call list, in words
and reverse video (the monochrome theme has no colour to carry it)."""

from __future__ import annotations

import pytest

from agent_tui.desk.calls import PendingTicket
from agent_tui.domain.ticket import TicketCreate, TicketType
from agent_tui.i18n import Translator
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.urgency import is_urgent, urgent_text
from agent_tui.ui.desk.history import HistoryScreen
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import make_app, popped, screen_text, wait_until


def test_only_priority_one_is_urgent() -> None:
    assert [is_urgent(p) for p in range(1, 6)] == [True, False, False, False, False]
    assert urgent_text(Translator("zh")) == "!! 紧急 !!"


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_an_emergency_order_is_marked_on_the_card_and_in_the_call_list(language: str) -> None:
    t = Translator(language)
    c = customer()
    match = full_match(c)
    emergency = match.open_tickets[0].model_copy(update={"priority": 1})
    match = match.model_copy(update={"open_tickets": [emergency]})
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [match]}),
                                options=DeskOptions(username="agent1", language=language))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        app.theme = "monochrome"
        phone.ring()
        await wait_until(pilot, lambda: popped(app))
        mark = urgent_text(t)
        await wait_until(pilot, lambda: mark in screen_text(app), what="the mark on the card")
        line = next(line for line in screen_text(app).splitlines() if mark in line)
        assert emergency.number in line
        session = app.desk.calls["c1"]
        session.tickets.append(PendingTicket("r1", TicketCreate(
            ticket_type=TicketType.REPAIR, customer_id=c.id, subject="Wire down", priority=1)))
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the call list")
        listed = [line for line in screen_text(app).splitlines() if "← " in line and "13800138000" in line]
        assert listed
        assert mark in listed[0]
