"""The campaigns panel while the backend is down: said once, not a new notification every refresh.

Before: the panel reloads every 2 s and each failed reload was its own 8 s notification, so an outage
kept four of them stacked over the panel (at 80x24, most of the screen) until the backend came back.
"""

from __future__ import annotations

import pytest

from agent_tui.domain.campaigns import Campaign
from agent_tui.sync.errors import BackendUnavailable
from agent_tui.ui.monitor import campaigns as panel
from agent_tui.ui.monitor.campaigns import CampaignsScreen
from agent_tui.ui.monitor.campaigns_model import CampaignsModel
from tests.monitor.campaign_doubles import FakeCampaigns, campaign
from tests.monitor.doubles import make_monitor, snapshot
from tests.ui.helpers import wait_until


def test_a_failing_refresh_is_told_once_until_one_succeeds() -> None:
    model = CampaignsModel()
    assert model.refresh_failed()
    assert not model.refresh_failed()
    assert not model.refresh_failed()
    model.apply([campaign(1, "回访", "draft")])
    assert model.refresh_failed()


class DownCampaigns(FakeCampaigns):
    """A backend that cannot be reached while `down`."""

    down = False

    async def campaigns(self) -> list[Campaign]:
        if self.down:
            self.reads += 1
            raise BackendUnavailable("connection refused")
        return await super().campaigns()


async def test_an_outage_is_one_notification_and_the_list_comes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(panel, "REFRESH_S", 0.05)
    fake = DownCampaigns([campaign(1, "回访", "draft")])
    app, _api, _phone, feeds = make_monitor()
    app.services.campaigns = fake
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        feeds[0].sink.snapshot(snapshot(agents=3))
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, CampaignsScreen), what="the panel")
        screen = app.screen
        assert isinstance(screen, CampaignsScreen)
        await wait_until(pilot, lambda: screen.model.campaigns, what="the list")
        fake.down = True
        fake.reads = 0
        await wait_until(pilot, lambda: fake.reads >= 6, what="six failed refreshes")
        told = [n for n in app._notifications if "loading campaigns" in str(n.message)]
        assert len(told) == 1
        fake.down = False
        fake.items.append(campaign(2, "停电预告", "draft"))
        await wait_until(pilot, lambda: len(screen.model.campaigns) == 2, what="the list back")
