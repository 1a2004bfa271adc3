"""Desk flows through keystrokes: repair order, wrap-up, agent state, help, remapped keys."""

from __future__ import annotations

from textual.widgets import OptionList

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.ticket import TicketType
from agent_tui.phone.events import Health, Registration
from agent_tui.sync.desk_link import LinkStatus
from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.form import FormScreen
from agent_tui.ui.desk.order import OrderPickScreen
from agent_tui.ui.desk.wrapup import WrapUpScreen
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, screen_text, state_of, wait_until


async def test_repair_order_by_keystrokes_goes_to_the_outbox() -> None:
    c = customer()
    app, phone, _, writes = make_app(FakeBackend({"13800138000": [full_match(c)]}))
    async with app.run_test(size=(100, 34)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press("f9")
        await wait_until(pilot, lambda: isinstance(app.screen, OrderPickScreen) and bool(app.screen.screens))
        picker = app.screen
        assert isinstance(picker, OrderPickScreen)
        index = [s.id for s in picker.screens].index("repair") + len(picker.drafts)
        picker.query_one("#order-screens", OptionList).highlighted = index
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, FormScreen))
        form = app.screen
        assert isinstance(form, FormScreen)
        await wait_until(pilot, lambda: bool(form.query("#field-fault_type")))
        # Step 1: fault type "other" (6th choice) → location.
        await pilot.press("ctrl+right")
        await pilot.pause()
        assert form.run.step.id == "fault", "required field must block the step"
        assert "required" in screen_text(app).lower() or form.query_one("#error-fault_type").render()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*["down"] * 6, "enter")
        await wait_until(pilot, lambda: form.run.value("fault_type") == "other")
        await pilot.press("ctrl+right")
        await wait_until(pilot, lambda: form.run.step.id == "location")
        assert form.run.value("address") == c.address  # prefilled from the card
        await pilot.press("ctrl+right")
        await wait_until(pilot, lambda: form.run.step.id == "contact")
        assert form.run.value("contact_name") == c.name
        # Description is the only empty required field; a bad phone shows a message beside it.
        await pilot.click("#field-contact_phone")
        await pilot.press("end", *"x!")
        await pilot.pause()
        assert form.run.error("contact_phone") is not None
        await pilot.press("backspace", "backspace")
        await pilot.click("#field-description")
        await pilot.press(*"No power since noon")
        await wait_until(pilot, lambda: form.run.value("description") == "No power since noon")
        drafts = app.services.drafts
        assert drafts is not None
        assert drafts.path_of(form.run.draft_id).exists()
        await pilot.press("ctrl+right")
        await wait_until(pilot, lambda: form.run.step.id == "readback")
        text = screen_text(app)
        assert "No power since noon" in text
        assert c.address in text.replace("\n", "")  or "文三路" in text
        await pilot.press("ctrl+right")
        await wait_until(pilot, lambda: form.run.complete)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(writes.tickets))
        ticket = writes.tickets[0]
        assert ticket.ticket_type == TicketType.REPAIR
        assert ticket.customer_id == c.id
        assert ticket.call_id == "c1"
        assert ticket.fields["description"] == "No power since noon"
        await wait_until(pilot, lambda: app.screen is app.desk)
        assert "pending" in screen_text(app)
        assert app.services.drafts is not None
        assert not app.services.drafts.path_of(form.run.draft_id).exists()
        writes.report(LinkStatus(online=True, queued=1))
        writes.report(LinkStatus(online=True, queued=0))
        await wait_until(pilot, lambda: "synced" in screen_text(app))


async def test_wrapup_records_the_call_and_goes_ready() -> None:
    app, phone, _, writes = make_app(options=DeskOptions(username="agent1", acw_mode="mandatory"))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press("f4")
        await wait_until(pilot, lambda: isinstance(app.screen, WrapUpScreen))
        assert app.desk.status.state == AgentStateName.ACW
        assert writes.calls[-1].call_id == "c1"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("down", "enter")  # first disposition
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is app.desk)
        record = writes.calls[-1]
        assert record.disposition == "resolved"
        assert record.first_call_resolved is True
        assert record.pop_latency_ms is not None
        assert state_of(app) == AgentStateName.READY
        assert app.desk.stats.calls == 1
        assert "Calls 1" in screen_text(app)


async def test_ready_not_ready_with_reason_and_phone_offline() -> None:
    app, phone, _, writes = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        assert app.desk.status.state == AgentStateName.NOT_READY
        await pilot.press("f2")
        assert state_of(app) == AgentStateName.READY
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("down", "enter")  # meal
        await wait_until(pilot, lambda: app.desk.status.state == AgentStateName.NOT_READY)
        assert app.desk.status.reason == "meal"
        assert "Meal" in screen_text(app)
        await pilot.press("f2")
        phone.emit(Registration(account="a", state="registered"))
        phone.emit(Health(account="a", ok=False, detail="timeout"))
        await wait_until(pilot, lambda: app.desk.status.reason == "phone_offline")
        assert "SIP down" in screen_text(app)
        phone.emit(Health(account="a", ok=True))
        await wait_until(pilot, lambda: app.desk.status.state == AgentStateName.READY)
        assert [s.state for s in writes.states][-2:] == [AgentStateName.NOT_READY, AgentStateName.READY]


async def test_f1_lists_the_keys_and_remap_works() -> None:
    options = DeskOptions(username="agent1", keymap={"desk.answer": "f12"})
    app, phone, _, _ = make_app(options=options)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(app)
        assert "Answer" in text
        assert "f12" in text.lower()
        await pilot.press("escape")
        phone.ring()
        await wait_until(pilot, lambda: app.desk.ringing_id == "c1")
        await pilot.press("f3")
        await pilot.pause()
        assert "answer" not in phone.names()
        await pilot.press("f12")
        await wait_until(pilot, lambda: "answer" in phone.names())


async def test_single_key_shortcuts_can_be_switched_off() -> None:
    app, phone, _, _ = make_app(options=DeskOptions(username="agent1", single_key_shortcuts=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.ring()
        await wait_until(pilot, lambda: app.desk.ringing_id == "c1")
        await pilot.press("a")
        await pilot.pause()
        assert "answer" not in phone.names()
    app2, phone2, _, _ = make_app()
    async with app2.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app2.desk.logged_in)
        phone2.ring()
        await wait_until(pilot, lambda: app2.desk.ringing_id == "c1")
        await pilot.press("a")
        await wait_until(pilot, lambda: "answer" in phone2.names())


async def test_hold_mute_dtmf_transfer() -> None:
    app, phone, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        await pilot.press("f5")
        # The call strip says the call is held and counts the hold time (it said "[HELD]" before).
        await wait_until(pilot, lambda: "On hold" in screen_text(app) and "Hold 0:0" in screen_text(app))
        await pilot.press("f5")
        await wait_until(pilot, lambda: "resume" in phone.names())
        await pilot.press("f6")
        assert ("mute", ("c1", True)) in phone.commands
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("1", "#", "escape")
        assert ("send_dtmf", ("c1", "1")) in phone.commands
        assert ("send_dtmf", ("c1", "#")) in phone.commands
        await pilot.press("f7")
        await wait_until(pilot, lambda: "王五" in screen_text(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: "blind_transfer" in phone.names())
        assert ("blind_transfer", ("c1", "2002")) in phone.commands


async def test_login_screen_and_wrong_password() -> None:
    app, _, backend, _ = make_app(password=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.click("#login-password")
        await pilot.press(*"wrong", "enter")
        await wait_until(pilot, lambda: "Login failed" in screen_text(app), what="login error")
        assert not app.desk.logged_in
        await pilot.click("#login-password")
        await pilot.press("end", *["backspace"] * 5, *"secret", "enter")
        await wait_until(pilot, lambda: app.desk.logged_in and app.screen is app.desk)
        assert backend.logins == ["agent1", "agent1"]


async def test_kb_and_callbacks() -> None:
    app, phone, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("ctrl+k")
        await pilot.pause()
        await pilot.press(*"tariff", "enter")
        await wait_until(pilot, lambda: "0.538" in screen_text(app))
        await pilot.press("escape")
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: "李四" in screen_text(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: "make_call" in phone.names())
        assert ("make_call", ("13900001111",)) in phone.commands
