"""The orders (ctrl+g) and campaigns (ctrl+n) panels stand one at a time over the wallboard.

Before: from campaigns opened over orders, ctrl+g did nothing (orders was under it); from orders opened
over campaigns, ctrl+n stacked a second campaigns panel, and each switch piled one more screen that
Escape then had to walk back through.
"""

from __future__ import annotations

from typing import Any

from agent_tui.ui.monitor.campaigns import CampaignsScreen
from agent_tui.ui.monitor.orders_panel import OrdersScreen
from agent_tui.ui.monitor.wallboard import WallboardScreen
from tests.monitor.campaign_doubles import FakeCampaigns, campaign
from tests.monitor.doubles import make_monitor, snapshot
from tests.monitor.test_orders_panel import FakeOrders
from tests.ui.helpers import wait_until


def panels(app: Any) -> list[str]:
    """The kinds of screen stacked over the wallboard, bottom first."""
    return [type(s).__name__ for s in app.screen_stack if isinstance(s, OrdersScreen | CampaignsScreen)]


async def test_switching_between_orders_and_campaigns_replaces_the_panel_and_escape_goes_home() -> None:
    app, _api, _phone, feeds = make_monitor()
    app.services.orders = FakeOrders()
    app.services.campaigns = FakeCampaigns([campaign(1, "回访", "draft")])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        feeds[0].sink.snapshot(snapshot(agents=3))
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, OrdersScreen), what="orders")
        for key, kind in (("ctrl+n", CampaignsScreen), ("ctrl+g", OrdersScreen), ("ctrl+n", CampaignsScreen)):
            await pilot.press(key)
            await wait_until(pilot, lambda k=kind: isinstance(app.screen, k), what=kind.__name__)  # type: ignore[misc]
            assert panels(app) == [kind.__name__]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, WallboardScreen), what="the wallboard")
        assert panels(app) == []
