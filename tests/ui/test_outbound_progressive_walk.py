"""A campaign worked in progressive mode with a wrap-up of 0 s, as the two-desk campaign walk runs it
(tests/e2e/test_desk_campaign.py), here with the doubles: each call's wrap-up panel opens and closes in
the same moment, the outcome panel follows, and the desk dials the next contact by itself.

The walk found the desk failing on the first call: the wrap-up panel dismissed before its Select had
mounted (NoMatches: SelectOverlay) stopped the app."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from agent_tui.desk.outbound import DialerPhase, OutboundItem
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.phone.events import CallEnded, CallState
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.outbound_outcome import OutboundOutcomeScreen
from agent_tui.ui.desk.services import DeskServices
from agent_tui.ui.desk.wrapup import WrapUpScreen
from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, LocalScreens
from tests.ui.helpers import answer_first_call, wait_until
from tests.ui.test_outbound_desk import MemoryItems

CONTACTS = 3


def contact(n: int) -> OutboundItem:
    return OutboundItem(source="callback", item_id=str(n), number=f"1390000000{n}", name="Wang Fang",
                        reason="7", outcomes=("informed", "refused", "no_answer"), screen="outage_notice")


async def work_one(pilot: Any, app: DeskApp, phone: FakePhone, source: MemoryItems, n: int) -> None:
    """Contact `n` is dialled by itself, answers, hangs up; the agent picks the first outcome."""
    number = f"1390000000{n}"
    await wait_until(pilot, lambda: ("make_call", (number,)) in phone.commands, deadline_s=10,
                     what=f"contact {n} dialled")
    await wait_until(pilot, lambda: app.desk.outbound.dialer.phase is DialerPhase.ON_CALL,
                     what="the call noted")
    call_id = app.desk.outbound.dialer.call_id
    assert call_id is not None
    phone.emit(CallState(call_id=call_id, state="confirmed", code=200, direction="outbound"))
    await wait_until(pilot, lambda: app.desk.active_id == call_id, what="the answer")
    phone.emit(CallEnded(call_id=call_id, reason="Normal call clearing", code=200, duration_s=1))
    await wait_until(pilot, lambda: isinstance(app.screen, OutboundOutcomeScreen), deadline_s=10,
                     what="the outcome panel")
    await pilot.press("enter")  # informed: the campaign's first code
    await wait_until(pilot, lambda: len(source.saved) == n, what=f"outcome {n} saved")


async def test_progressive_calls_with_a_zero_second_wrap_up_run_one_after_another() -> None:
    source = MemoryItems([contact(n) for n in range(1, CONTACTS + 1)])
    phone = FakePhone()
    backend = FakeBackend()
    services = DeskServices(backend=backend, writes=FakeWrites(), phone=phone, screens=LocalScreens(),
                            callbacks=backend, drafts=DraftStore(state_dir() / "drafts"), outbound=source)
    options = DeskOptions(username="agent1", outbound_mode="progressive", outbound_preview_s=0,
                          outbound_poll_s=1, acw_mode="timeboxed", acw_seconds=0, auto_ready_after_acw=True)
    app = DeskApp(services, options, password=SecretStr("secret"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("f2")  # Ready: the first contact is dialled at once
        for n in range(1, CONTACTS + 1):
            await work_one(pilot, app, phone, source, n)
        assert [(item_id, outcome.code) for item_id, outcome in source.saved] == [
            (str(n), "informed") for n in range(1, CONTACTS + 1)]
        assert source.released == []
        await wait_until(pilot, lambda: app.desk.outbound.dialer.phase is DialerPhase.IDLE, what="idle")
        assert not isinstance(app.screen, WrapUpScreen | OutboundOutcomeScreen)  # no panel left behind
        assert app.return_code is None  # the desk still runs


async def test_a_wrap_up_panel_closed_in_the_moment_it_opened_does_not_stop_the_desk() -> None:
    phone = FakePhone()
    backend = FakeBackend()
    services = DeskServices(backend=backend, writes=FakeWrites(), phone=phone, screens=LocalScreens(),
                            callbacks=backend, drafts=DraftStore(state_dir() / "drafts"))
    options = DeskOptions(username="agent1", acw_mode="optional")
    app = DeskApp(services, options, password=SecretStr("secret"))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        phone.emit(CallEnded(call_id="c1", reason="Normal call clearing", code=200, duration_s=1))
        await wait_until(pilot, lambda: app.desk.active_id is None, what="the end")
        while isinstance(app.screen, WrapUpScreen):
            app.screen.dismiss(None)
            await pilot.pause()
        app.desk.action_wrapup()  # opened (a call ended) and closed (its 0 s ran out) in one go
        app.desk._close_wrapup_panel()
        for _ in range(5):
            await pilot.pause()
        assert app.return_code is None  # the desk still runs
        assert not isinstance(app.screen, WrapUpScreen)



async def test_a_wrap_up_panel_saved_while_another_panel_covered_it_goes_when_on_top_again() -> None:
    phone = FakePhone()
    backend = FakeBackend()
    services = DeskServices(backend=backend, writes=FakeWrites(), phone=phone, screens=LocalScreens(),
                            callbacks=backend, drafts=DraftStore(state_dir() / "drafts"))
    app = DeskApp(services, DeskOptions(username="agent1", acw_mode="optional"), password=SecretStr("secret"))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        phone.emit(CallEnded(call_id="c1", reason="Normal call clearing", code=200, duration_s=1))
        await wait_until(pilot, lambda: app.desk.active_id is None, what="the end")
        app.desk.action_wrapup()
        panel = app.screen
        assert isinstance(panel, WrapUpScreen)
        app.desk._close_wrapup_panel()  # saved while it mounts: then the outcome panel covers it
        app.push_screen(OutboundOutcomeScreen(contact(1), answered=True))
        await wait_until(pilot, lambda: isinstance(app.screen, OutboundOutcomeScreen), what="covered")
        assert panel in app.screen_stack
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is app.desk, deadline_s=5, what="the wrap-up panel gone")
        assert app.return_code is None
