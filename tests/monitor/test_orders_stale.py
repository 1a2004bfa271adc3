"""The orders panel says when its list stopped being live, as the wallboard (hidden under it) does.

Before: with the backend down the panel kept its last list with nothing to tell it was frozen; the
stale marker was drawn only on the wallboard underneath.
"""

from __future__ import annotations

from datetime import UTC, datetime

from agent_tui.ui.monitor.orders_panel import OrdersScreen
from tests.monitor.test_orders_panel import opened, start
from tests.ui.helpers import screen_text, wait_until


async def test_the_orders_panel_shows_the_stale_marker_and_takes_it_down_when_live_again() -> None:
    app, _orders, feeds = await opened((80, 24))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start(pilot, app, feeds)
        assert "stale since" not in screen_text(app)
        since = datetime(2026, 12, 5, 9, 30, 15, tzinfo=UTC)
        feeds[0].sink.link(since, "connection refused")
        shown = since.astimezone().strftime("%H:%M:%S")
        await wait_until(pilot, lambda: f"stale since {shown}" in screen_text(app), what="the stale marker")
        assert isinstance(app.screen, OrdersScreen)
        assert screen.query_one("#ord-title").has_class("stale")
        feeds[0].sink.link(None, "")
        await wait_until(pilot, lambda: "stale since" not in screen_text(app), what="the marker gone")
        assert not screen.query_one("#ord-title").has_class("stale")
