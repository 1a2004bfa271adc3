"""A campaign call opens its script on the desk as it is placed, bound to the call; the call's end closes
it and the outcome panel follows, ordered by the script's `reached` answer (Pilot, with the doubles)."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr
from textual.widgets import Select

from agent_tui.desk.outbound import OutboundItem
from agent_tui.domain.screen import ScreenDefinition
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.phone.events import CallEnded, CallState
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.campaign_script_screen import CampaignScriptScreen
from agent_tui.ui.desk.outbound_outcome import OutboundOutcomeScreen
from agent_tui.ui.desk.services import DeskServices
from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, LocalScreens
from tests.ui.helpers import screen_text, wait_until
from tests.ui.test_outbound_desk import MemoryItems, desk, offered

CONTACT = OutboundItem(source="campaign", item_id="41", number="13700000041", name="Wang Fang",
                       reason="7", outcomes=("informed", "refused", "no_answer"), screen="outage_notice")


async def test_the_script_opens_as_the_call_is_placed_and_the_outcome_follows_its_answer() -> None:
    source = MemoryItems([CONTACT])
    app, phone = desk(source)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("f2")  # Ready
        await wait_until(pilot, lambda: offered(app), what="the offer")
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: isinstance(app.screen, CampaignScriptScreen), what="the script")
        script = app.screen
        assert isinstance(script, CampaignScriptScreen)
        assert script.session is not None
        assert script.session.call_id == "out101"  # bound to the call
        await wait_until(pilot, lambda: "planned maintenance" in screen_text(app), what="the greeting")
        assert "Wang Fang" in screen_text(app)
        phone.emit(CallState(call_id="out101", state="confirmed", code=200, direction="outbound"))
        await wait_until(pilot, lambda: app.desk.active_id == "out101", what="the answer")
        run, reached = script.run, script.query_one("#field-reached", Select)
        assert app.screen is script  # the answer keeps the script in front
        reached.value = "no"  # a relative picked up
        await wait_until(pilot, lambda: run.answers.get("reached") is False, what="the answer noted")
        phone.emit(CallEnded(call_id="out101", reason="Normal call clearing", code=200, duration_s=20))
        await wait_until(pilot, lambda: isinstance(app.screen, OutboundOutcomeScreen), what="the outcome")
        assert script not in app.screen_stack  # the call's end closed the script
        await pilot.press("enter")  # the first choice: not reached, as the script said
        await wait_until(pilot, lambda: bool(source.saved), what="the outcome saved")
        assert [(key, outcome.code, outcome.call_id) for key, outcome in source.saved] == [
            ("41", "no_answer", "out101")]
        assert "make_call" in phone.names()


async def test_a_callback_opens_no_script() -> None:
    callback = OutboundItem(source="callback", item_id="42", number="13700000042", name="Li Lei")
    source = MemoryItems([callback])
    app, phone = desk(source)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("f2")
        await wait_until(pilot, lambda: offered(app), what="the offer")
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: app.desk.outbound.dialer.call_id == "out101", what="the call noted")
        phone.emit(CallEnded(call_id="out101", reason="Busy", code=486, duration_s=0))
        await wait_until(pilot, lambda: isinstance(app.screen, OutboundOutcomeScreen), what="the outcome")
        assert not any(isinstance(s, CampaignScriptScreen) for s in app.screen_stack)


class HeldScreens(LocalScreens):
    """The screens, handed out only once `go` is set (a slow backend)."""

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.asked = 0

    async def load(self) -> tuple[list[ScreenDefinition], list[str]]:
        self.asked += 1
        await self.go.wait()
        return await super().load()


async def test_a_call_that_ends_while_its_script_loads_opens_no_script_over_the_outcome() -> None:
    source, phone, screens = MemoryItems([CONTACT]), FakePhone(), HeldScreens()
    backend = FakeBackend()
    services = DeskServices(backend=backend, writes=FakeWrites(), phone=phone, screens=screens,
                            callbacks=backend, drafts=DraftStore(state_dir() / "drafts"), outbound=source)
    app = DeskApp(services, DeskOptions(username="agent1", outbound_mode="preview", outbound_preview_s=60,
                                        auto_ready_after_acw=False), password=SecretStr("secret"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("f2")
        await wait_until(pilot, lambda: offered(app), what="the offer")
        before = screens.asked  # the desk may load the screens for itself too
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: screens.asked > before, what="the script asked for")
        phone.emit(CallEnded(call_id="out101", reason="Busy", code=486, duration_s=0))
        await wait_until(pilot, lambda: isinstance(app.screen, OutboundOutcomeScreen), what="the outcome")
        outcome = app.screen
        screens.go.set()
        await wait_until(pilot, lambda: not app.desk.outbound.script.loading, what="the load done")
        await pilot.pause()
        assert app.screen is outcome
        assert not any(isinstance(s, CampaignScriptScreen) for s in app.screen_stack)
