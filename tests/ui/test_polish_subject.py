"""Issue 15: a work order filed in English shows its subject in Chinese on a Chinese desk's card,
made from the order's screen and answers; the stored text where that cannot be done."""

from __future__ import annotations

from agent_tui.domain.ticket import TicketCreate, TicketType
from agent_tui.forms.loader import bundled_screens_dir, load_screens
from agent_tui.i18n import Translator
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.ticket_subject import TicketSubjects
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import make_app, popped, screen_text, wait_until

STORED = "Fault report · Only this household without power · 1 Test Road"


def filed_in_english(**changes: object) -> TicketCreate:
    """A repair order as an English desk files it."""
    data: dict[str, object] = {
        "ticket_type": TicketType.REPAIR, "screen_id": "repair", "screen_version": 1, "subject": STORED,
        "fields": {"fault_type": "household", "address": "1 Test Road"},
    }
    return TicketCreate.model_validate({**data, **changes})


def subjects(language: str) -> TicketSubjects:
    return TicketSubjects(load_screens(bundled_screens_dir()).screens, Translator(language))


def test_subject_is_made_in_the_readers_language() -> None:
    assert subjects("zh").subject(filed_in_english()) == "故障报修 · 仅本户停电 · 1 Test Road"
    assert subjects("en").subject(filed_in_english()) == STORED


def test_stored_subject_when_it_cannot_be_made() -> None:
    zh = subjects("zh")
    assert zh.subject(filed_in_english(screen_id="retired")) == STORED
    assert zh.subject(filed_in_english(screen_version=7)) == STORED
    assert zh.subject(filed_in_english(fields={})) == STORED


async def test_a_chinese_card_shows_the_subject_in_chinese() -> None:
    c = customer()
    match = full_match(c)
    ticket = match.open_tickets[0].model_copy(update={
        "screen_id": "repair", "screen_version": 1, "subject": STORED,
        "fields": {"fault_type": "household", "address": "1 Test Road"}})
    match = match.model_copy(update={"open_tickets": [ticket]})
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [match]}),
                                options=DeskOptions(username="agent1", language="zh"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.ticket_subjects is not None, what="the screens")
        phone.ring()
        await wait_until(pilot, lambda: popped(app))
        await wait_until(pilot, lambda: "故障报修 · 仅本户停电" in screen_text(app), what="the zh subject")
        assert "Only this household" not in screen_text(app)
