"""An empty campaigns panel says why: still loading, none made yet, the backend down (since when), or
this account refused. Before, the one outage notification faded and left an empty table with no reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent_tui.domain.base import Problem
from agent_tui.domain.campaigns import Campaign
from agent_tui.i18n import load_catalog
from agent_tui.sync.errors import BackendRejected, BackendUnavailable
from agent_tui.ui.monitor import campaigns as panel
from agent_tui.ui.monitor.campaigns import CampaignsScreen
from agent_tui.ui.monitor.campaigns_model import CampaignsModel
from tests.monitor.campaign_doubles import FakeCampaigns, campaign
from tests.monitor.doubles import make_monitor, snapshot
from tests.ui.helpers import screen_text, wait_until

DOWN_AT = datetime(2026, 12, 5, 9, 30, 15, tzinfo=UTC)


def said(model: CampaignsModel, keys: list[str]) -> str:
    """The reason's message key (kept in `keys` for the catalog check)."""
    why = model.why_empty()
    assert why is not None
    keys.append(why[0])
    return why[0]


def test_every_reason_an_empty_list_can_have() -> None:
    model = CampaignsModel()
    keys: list[str] = []
    assert said(model, keys).startswith("Loading")
    model.refresh_failed(BackendUnavailable("connection refused"), DOWN_AT)
    model.refresh_failed(BackendUnavailable("connection refused"), DOWN_AT.replace(minute=31))
    assert "cannot be reached" in said(model, keys)
    why = model.why_empty()
    assert why is not None
    assert why[1]["since"] == DOWN_AT  # since the FIRST failure of the outage
    assert model.stale_since == DOWN_AT
    model.apply([])
    assert said(model, keys).startswith("No campaigns yet")
    assert model.stale_since is None
    model.refresh_failed(BackendRejected(403, Problem(title="Forbidden", status=403)), DOWN_AT)
    assert "refuses" in said(model, keys)
    model.apply([campaign(1, "回访")])
    assert model.why_empty() is None
    model.refresh_failed(BackendUnavailable("down"), DOWN_AT)
    assert model.why_empty() is None  # the last list stays, marked stale instead
    assert model.stale_since == DOWN_AT
    catalog = load_catalog("zh")
    assert all(key in catalog for key in keys)


class DownCampaigns(FakeCampaigns):
    """A backend that cannot be reached while `down`."""

    down = True

    async def campaigns(self) -> list[Campaign]:
        if self.down:
            raise BackendUnavailable("connection refused")
        return await super().campaigns()


async def test_the_panel_says_the_backend_is_down_and_then_that_there_are_none(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(panel, "REFRESH_S", 0.05)
    fake = DownCampaigns([])
    app, _api, _phone, feeds = make_monitor()
    app.services.campaigns = fake
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        feeds[0].sink.snapshot(snapshot(agents=3))
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, CampaignsScreen), what="the panel")
        app.clear_notifications()  # the outage's one notification fades: the panel itself must say it
        await wait_until(pilot, lambda: "the backend cannot be reached since" in screen_text(app),
                         what="the reason on the panel")
        fake.down = False
        await wait_until(pilot, lambda: "No campaigns yet" in screen_text(app), what="none made yet")
        assert "cannot be reached" not in screen_text(app)
