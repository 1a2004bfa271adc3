"""The campaigns panel in the monitor, typed into as a supervisor does: ctrl+n opens it, the list fills
and its progress moves on its own, a campaign is made from a filter, started and paused; a broken CSV is
refused line by line. At 80x24 and 120x40, in English and Chinese.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from agent_tui.ui.monitor import campaigns as panel
from agent_tui.ui.monitor.campaigns import CampaignsScreen
from tests.monitor.campaign_doubles import FakeCampaigns, campaign
from tests.monitor.doubles import make_monitor, snapshot
from tests.ui.helpers import screen_text, wait_until


@pytest.mark.parametrize(("size", "language"), [((80, 24), "en"), ((120, 40), "zh")])
async def test_make_start_pause_and_watch(size: tuple[int, int], language: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(panel, "REFRESH_S", 0.05)
    fake = FakeCampaigns([campaign(2, "欠费催缴", "running", total=5, done=1), campaign(1, "回访", "draft")])
    app, _api, _phone, feeds = make_monitor(language=language)
    app.services.campaigns = fake
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        feeds[0].sink.snapshot(snapshot(agents=3))
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: isinstance(app.screen, CampaignsScreen), what="the panel")
        screen = app.screen
        assert isinstance(screen, CampaignsScreen)
        table = screen.query_one("#cmp-table", DataTable)
        # Live: the running campaign's progress moves on with each refresh, to done.
        await wait_until(pilot, lambda: screen.model.campaigns and screen.model.campaigns[0].done == 5,
                         what="the running campaign to finish")
        assert screen.model.campaigns[0].state.value == "done"
        text = screen_text(app)
        assert "欠费催缴" in text
        assert "5/5" in text
        assert ("已完成" if language == "zh" else "done") in text

        # A broken CSV: every broken line named, nothing sent.
        bad = tmp_path / "list.csv"
        bad.write_text("phone,name\n13800000001,王芳\ncall me,李娜\n", encoding="utf-8")
        for field, value in (("name", "停电预告"), ("screen", "outage_notice"), ("agents", "agent01 agent02"),
                             ("source", str(bad))):
            screen.query_one(f"#cmp-{field}", Input).value = value
        await pilot.press("f2")
        await wait_until(pilot, lambda: ("第 3 行" if language == "zh" else "Line 3") in screen_text(app),
                         what="the broken line")
        assert fake.created == []

        # From a filter: made as a draft, selected, started, then paused.
        screen.query_one("#cmp-source", Input).value = "area=城东区 tier=gold limit=7"
        await pilot.press("f2")
        await wait_until(pilot, lambda: len(fake.created) == 1, what="the campaign made")
        made = fake.created[0]
        assert made.customer_filter is not None
        assert (made.customer_filter.area, made.agents) == ("城东区", ["agent01", "agent02"])
        await wait_until(pilot, lambda: screen.model.current is not None and screen.model.current.id == 101,
                         what="the new campaign selected")
        table.focus()
        await pilot.press("f3")
        await wait_until(pilot, lambda: (101, "start") in fake.moves, what="start")
        await wait_until(pilot, lambda: screen.model.current is not None and screen.model.current.done > 0,
                         what="calls on the new campaign")
        await pilot.press("f4")
        await wait_until(pilot, lambda: (101, "pause") in fake.moves, what="pause")
        await wait_until(pilot, lambda: screen.model.current is not None
                         and screen.model.current.state.value == "paused", what="paused")
        await pilot.press("f4")  # pausing a paused campaign: said, not sent
        await pilot.pause()
        assert fake.moves.count((101, "pause")) == 1
        lines = screen_text(app).splitlines()
        assert all(len(line) <= size[0] for line in lines)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, CampaignsScreen), what="back")
