"""An outbound offer that arrives while a desk panel is open shows on the panel's call strip with its
countdown, as a ringing call does, and ctrl+y dials it from there; one that runs out is said to have
expired (who, why) on the strip until the agent resumes. Before, it showed behind the panel only and
expired unseen."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from agent_tui.desk.outbound import NOT_TAKEN, DialerPhase, OutboundItem
from agent_tui.ui.common.help import HelpScreen
from agent_tui.ui.desk.call_strip import CallStrip
from agent_tui.ui.desk.callbacks import CallbacksScreen
from agent_tui.ui.desk.desk_overlays import DeskHelpScreen
from tests.ui.helpers import wait_until
from tests.ui.test_outbound_desk import MemoryItems, desk, item


class GatedItems(MemoryItems):
    """Answers the desk's request for an item only once `gate` is set: the offer comes while a panel
    is open (F2 works on the desk only, so the agent goes Ready before opening it)."""

    def __init__(self, items: list[OutboundItem]) -> None:
        super().__init__(items)
        self.gate = asyncio.Event()

    async def next_item(self, skip: Sequence[str]) -> OutboundItem | None:
        await self.gate.wait()
        return await super().next_item(skip)


def strip(app: object) -> CallStrip:
    from textual.app import App

    assert isinstance(app, App)
    return app.screen.query_one(CallStrip)


async def test_an_offer_over_a_panel_is_on_its_strip_and_ctrl_y_dials_it() -> None:
    source = GatedItems([item(1)])
    app, phone = desk(source)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        await pilot.press("f2")  # Ready: the desk asks for an item
        await wait_until(pilot, lambda: app.desk.outbound.dialer.phase is DialerPhase.FETCHING, what="asking")
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: isinstance(app.screen, CallbacksScreen), what="the callbacks list")
        source.gate.set()  # the offer comes while the list is open
        await wait_until(pilot, lambda: "Outbound offer" in strip(app).part("caller"),
                         what="the offer on the panel's strip")
        assert "13700000001" in strip(app).part("caller")
        assert "s left" in strip(app).part("timers")
        assert "Dial" in strip(app).part("keys")
        assert isinstance(app.screen, CallbacksScreen)
        await pilot.press("ctrl+y")
        await wait_until(pilot, lambda: "make_call" in phone.names(), what="the dial")
        assert isinstance(app.screen, CallbacksScreen)


async def test_an_offer_that_runs_out_over_help_is_said_to_have_expired() -> None:
    source = GatedItems([item(2)])
    app, _phone = desk(source, preview_s=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.desk.outbound.dialer.phase is DialerPhase.FETCHING, what="asking")
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        assert isinstance(app.screen, DeskHelpScreen)
        source.gate.set()
        await wait_until(pilot, lambda: ("2", NOT_TAKEN) in source.released, deadline_s=10,
                         what="the offer running out")
        await wait_until(pilot, lambda: "Offer expired" in strip(app).part("caller"),
                         what="the strip says so")
        assert "13700000002" in strip(app).part("caller")
        assert any("expired" in str(n.message) for n in app._notifications)
        assert isinstance(app.screen, DeskHelpScreen)
        assert app.desk.outbound.dialer.phase is DialerPhase.IDLE
        await pilot.press("ctrl+y")  # resume, from the help screen
        await wait_until(pilot, lambda: "Offer expired" not in strip(app).part("caller"), what="resumed")
        assert not app.desk.outbound.dialer.paused
