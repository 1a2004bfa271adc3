"""The wallboard on doubles: painting, coalescing, thresholds, sort and filter, the stale banner, 80x24."""

from __future__ import annotations

import itertools
import math
import time
from datetime import timedelta

from textual.widgets import Static

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.supervision import Alert, AlertKind, AlertLevel
from agent_tui.ui.monitor.model import AgentFilter, SortKey
from agent_tui.ui.monitor.options import Level, MonitorOptions, Thresholds, level_of
from agent_tui.ui.monitor.wallboard import WallboardScreen
from tests.monitor.doubles import agent_row, make_monitor, queue_panel, rows_event, snapshot
from tests.ui.helpers import screen_text, wait_until


def board(app: object) -> WallboardScreen:
    screen = getattr(app, "wallboard", None)
    assert isinstance(screen, WallboardScreen)
    return screen


def test_levels_follow_the_thresholds() -> None:
    assert level_of(10, (20, 40)) == Level.OK
    assert level_of(20, (20, 40)) == Level.WARNING
    assert level_of(45, (20, 40)) == Level.ALERT
    assert level_of(0.85, (0.8, 0.7), lower_is_worse=True) == Level.OK
    assert level_of(0.75, (0.8, 0.7), lower_is_worse=True) == Level.WARNING
    assert level_of(0.6, (0.8, 0.7), lower_is_worse=True) == Level.ALERT
    assert level_of(None, (1, 2)) == Level.OK


async def test_snapshot_paints_queues_agents_and_thresholds() -> None:
    queues = [queue_panel("good", sl=0.95), queue_panel("meh", sl=0.75),
              queue_panel("bad", sl=0.5, waiting=12)]
    app, _api, _phone, feeds = make_monitor()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        feeds[0].sink.snapshot(snapshot(agents=30, queues=queues))
        wb = board(app)
        await wait_until(pilot, lambda: wb.paints >= 1 and wb.agents.row_count == 30, what="first paint")
        cells = wb.queues.cells
        assert cells["good"][3] == ("95%", "ok")
        assert cells["meh"][3] == ("75%", "warning")
        assert cells["bad"][3] == ("50%", "alert")
        assert cells["bad"][1] == ("12", "alert")
        shown = wb.queues.get_cell("bad", "sl")
        assert "!!" in shown.plain
        assert "reverse" in str(shown.style)
        assert "!" in wb.queues.get_cell("meh", "sl").plain
        text = screen_text(app)
        assert "agent0001" in text
        assert "50% !!" in text
        assert "live" in text


async def test_updates_make_cells_only_on_screen_and_are_coalesced() -> None:
    app, _api, _phone, feeds = make_monitor(options=MonitorOptions(max_paints_per_s=4.0))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        wb = board(app)
        feeds[0].sink.snapshot(snapshot(agents=1000))
        await wait_until(pilot, lambda: wb.agents.row_count == 1000, deadline_s=20, what="1000 rows")
        await pilot.pause(0.3)
        start_paints, start_made = wb.paints, wb.agents.lines.made
        started = time.monotonic()
        sent = 0
        # 600 single-row events over about 1.5 s, in bursts of 20.
        for burst in range(30):
            for k in range(20):
                i = (burst * 20 + k) % 1000 + 1
                row = agent_row(i, AgentStateName.ON_CALL, call_id=f"c{sent}", call_number="139")
                feeds[0].sink.event(rows_event(200 + sent, [row]))
                sent += 1
            await pilot.pause(0.05)
        await wait_until(pilot, lambda: not wb.model.pending(), what="everything painted")
        elapsed = time.monotonic() - started
        paints = wb.paints - start_paints
        assert paints >= 2
        assert paints <= math.ceil(elapsed * 4) + 1, (paints, elapsed)
        times = list(wb.paint_times)[-paints:]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.24, gaps
        # Cells were made only for the changed rows on screen (and by the clock's tick, once a second
        # for the rows on screen), not for the 600 changed rows: the others are made when scrolled to.
        made = wb.agents.lines.made - start_made
        on_screen = len(wb.agents.visible_keys())
        assert 1 <= made <= on_screen * (math.ceil(elapsed) + 2) < 600, (made, on_screen, elapsed)
        assert "agent0600" not in wb.agents.cells
        assert wb.agents.lines.row_cells("agent0600")[2][1] == "state-on_call"
        assert wb.agents.row_count == 1000


async def test_sort_and_filter() -> None:
    app, _api, _phone, feeds = make_monitor()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        wb = board(app)
        snap = snapshot(agents=6)
        now = utc_now()
        snap.agents[4] = agent_row(5, AgentStateName.ON_CALL, since=now - timedelta(seconds=30))
        snap.agents[1] = agent_row(2, AgentStateName.NOT_READY, since=now - timedelta(seconds=90))
        feeds[0].sink.snapshot(snap)
        await wait_until(pilot, lambda: wb.agents.row_count == 6, what="rows")

        def order() -> list[str]:
            return wb.agents.usernames()

        assert order()[0] == "agent0001"
        await pilot.press("ctrl+o")  # name → state
        assert wb.agents.sort_key == SortKey.STATE
        assert order()[0] == "agent0005"
        assert order()[-1] == "agent0002"
        await pilot.press("ctrl+o")  # state → time in state (longest first)
        assert order()[0] == "agent0002"
        wb.set_filter(AgentFilter(team="B"))
        await pilot.pause()
        assert sorted(order()) == ["agent0002", "agent0004", "agent0006"]
        wb.set_filter(AgentFilter(state=AgentStateName.READY))
        await pilot.pause()
        assert "agent0005" not in order()
        assert "agent0001" in order()
        # A change that makes a row pass the filter adds it; one that fails it removes it.
        changed = [agent_row(5, AgentStateName.READY), agent_row(1, AgentStateName.ACW)]
        feeds[0].sink.event(rows_event(300, changed))
        await wait_until(pilot, lambda: "agent0005" in order() and "agent0001" not in order(),
                         what="refilter")
        assert "filter:" in str(wb.query_one("#title", Static).render())


async def test_stale_banner_and_recovery() -> None:
    app, _api, _phone, feeds = make_monitor()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        wb = board(app)
        feeds[0].sink.snapshot(snapshot(agents=5))
        feeds[0].sink.link(None, "")
        await wait_until(pilot, lambda: "live" in screen_text(app), what="live")
        lost = utc_now()
        feeds[0].sink.link(lost, "connection refused")
        stamp = lost.astimezone().strftime("%H:%M:%S")
        await wait_until(pilot, lambda: f"stale since {stamp}" in screen_text(app), what="stale banner")
        assert wb.query_one("#link").has_class("stale")
        feeds[0].sink.snapshot(snapshot(agents=7))
        feeds[0].sink.link(None, "")
        await wait_until(pilot, lambda: "stale" not in screen_text(app) and wb.agents.row_count == 7,
                         what="recovered")


async def test_alerts_and_raised_hands_at_80x24_monochrome() -> None:
    app, _api, _phone, feeds = make_monitor(theme="monochrome")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        now = utc_now()
        alerts = [
            Alert(key="long_call:agent0002", kind=AlertKind.LONG_CALL, level=AlertLevel.ALERT,
                  since=now - timedelta(minutes=16), agent="agent0002", value=960.0),
            Alert(key="raised_hand:agent0003", kind=AlertKind.RAISED_HAND, level=AlertLevel.WARNING,
                  since=now, agent="agent0003", detail="customer wants a manager"),
        ]
        snap = snapshot(agents=12, alerts=alerts)
        snap.agents[2] = agent_row(3, AgentStateName.ON_CALL, raised_hand=True, call_number="138")
        feeds[0].sink.snapshot(snap)
        await wait_until(pilot, lambda: "Long call" in screen_text(app), what="alerts")
        text = screen_text(app)
        assert "Raised hand" in text
        assert "customer wants a manager" in text
        assert "✋agent0003" in text
        assert app.theme == "monochrome"
        lines = text.splitlines()
        assert len(lines) <= 24
        assert all(len(line) <= 80 for line in lines)
        assert "Wallboard" in lines[0]
        # A cleared alert goes away.
        feeds[0].sink.event(rows_event(400, []))
        cleared = alerts[0].model_copy(update={"cleared": True})
        from agent_tui.domain.events import Event, EventKind

        feeds[0].sink.event(Event(id=401, kind=EventKind.ALERT, at=now, data=cleared.model_dump(mode="json")))
        await wait_until(pilot, lambda: "Long call" not in screen_text(app), what="alert cleared")


async def test_custom_thresholds_colour_agent_timers() -> None:
    options = MonitorOptions(thresholds=Thresholds(acw_s=(10.0, 20.0)))
    app, _api, _phone, feeds = make_monitor(options=options)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        wb = board(app)
        now = utc_now()
        snap = snapshot(agents=3)
        snap.agents[0] = agent_row(1, AgentStateName.ACW, since=now - timedelta(seconds=15))
        snap.agents[1] = agent_row(2, AgentStateName.ACW, since=now - timedelta(seconds=25))
        feeds[0].sink.snapshot(snap)
        await wait_until(pilot, lambda: wb.agents.row_count == 3, what="rows")
        assert wb.agents.cells["agent0001"][4][1] == "warning"
        assert wb.agents.cells["agent0002"][4][1] == "alert"
        assert wb.agents.cells["agent0003"][4][1] == "ok"


async def test_zh_wallboard() -> None:
    app, _api, _phone, feeds = make_monitor(language="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        feeds[0].sink.snapshot(snapshot(agents=3))
        feeds[0].sink.link(None, "")
        await wait_until(pilot, lambda: "实时" in screen_text(app) and "示闲" in screen_text(app),
                         what="zh board")
        text = screen_text(app)
        assert "示闲" in text
        assert "坐席" in text
        assert "实时" in text


async def test_changes_and_ticks_reach_the_screen() -> None:
    app, _api, _phone, feeds = make_monitor()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        wb = board(app)
        feeds[0].sink.snapshot(snapshot(agents=40))
        await wait_until(pilot, lambda: wb.agents.row_count == 40, what="rows")

        def line_of(username: str) -> str:
            return next(line for line in screen_text(app).splitlines() if line.startswith(username))

        await wait_until(pilot, lambda: "0:00" in line_of("agent0002"), what="first paint")
        feeds[0].sink.event(rows_event(500, [agent_row(2, AgentStateName.NOT_READY, reason="meeting")]))
        await wait_until(pilot, lambda: "Meeting" in line_of("agent0002"), what="the change painted")
        # The clock cells of rows on screen tick once a second, without any event (compared with what
        # was painted, not with a fixed value: a loaded machine may take seconds to get here).
        before = line_of("agent0003")
        await wait_until(pilot, lambda: line_of("agent0003") != before, deadline_s=4, what="the tick painted")


async def test_filter_dialog_opens_with_and_without_a_filter() -> None:
    # ctrl+f used to end the monitor: its Selects were given `Select.BLANK` (a flag) for "no value".
    from agent_tui.ui.monitor.prompts import FilterScreen

    app, _api, _phone, feeds = make_monitor()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        wb = board(app)
        feeds[0].sink.snapshot(snapshot(agents=6))
        await wait_until(pilot, lambda: wb.agents.row_count == 6, what="rows")
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen), what="the dialog")
        await pilot.click("#filter-apply")
        await wait_until(pilot, lambda: app.screen is wb, what="the dialog closed")
        assert not wb.filter.active
        wb.set_filter(AgentFilter(team="B"))
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: isinstance(app.screen, FilterScreen), what="the dialog again")
        await pilot.click("#filter-clear")
        await wait_until(pilot, lambda: app.screen is wb and wb.agents.row_count == 6, what="all shown")
        assert not wb.filter.active


async def test_order_kept_by_bisection_matches_a_full_sort_under_random_changes() -> None:
    import random

    from agent_tui.ui.monitor.model import sort_value
    from tests.ui.helpers import screen_text

    app, _api, _phone, feeds = make_monitor()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        wb = board(app)
        feeds[0].sink.snapshot(snapshot(agents=300))
        await wait_until(pilot, lambda: wb.agents.row_count == 300, what="rows")
        rng = random.Random(16)
        states = list(AgentStateName)
        event_id = 1000
        for sort_key, team in ((SortKey.STATE, None), (SortKey.TIME, "A"), (SortKey.TEAM, None)):
            wb.set_filter(AgentFilter(team=team))
            while wb.agents.sort_key != sort_key:
                await pilot.press("ctrl+o")
            for _batch in range(4):
                now = utc_now()
                rows = [agent_row(i, rng.choice(states), since=now - timedelta(seconds=rng.randint(0, 900)),
                                  team=rng.choice(("A", "B")))
                        for i in rng.sample(range(1, 300), 60)]
                event_id += 1
                feeds[0].sink.event(rows_event(event_id, rows))
                await wait_until(pilot, lambda: not wb.model.pending(), what="the batch painted")
            passing = [r for r in wb.model.agents.values() if wb.filter.agent(r)]
            expected = [r.username for r in sorted(passing, key=lambda r: sort_value(r, sort_key))]
            assert wb.agents.usernames() == expected
            await pilot.pause()
            shown = [line.split()[0] for line in screen_text(app).splitlines() if line.startswith("agent0")]
            first = int(wb.agents.scroll_y)  # the cursor's agent moves, and the view follows it
            assert len(shown) >= 10
            assert shown == expected[first:first + len(shown)]


async def test_mouse_selects_a_row_and_a_heading_sorts() -> None:
    from textual.message import Message

    from agent_tui.ui.monitor.agents_table import AgentsTable

    app, _api, _phone, feeds = make_monitor()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        wb = board(app)
        feeds[0].sink.snapshot(snapshot(agents=40))
        await wait_until(pilot, lambda: wb.agents.row_count == 40, what="rows")
        await pilot.pause()
        selected: list[str] = []
        post = wb.agents.post_message

        def spy(message: Message) -> bool:  # the wallboard has no use for a selected row: seen here
            if isinstance(message, AgentsTable.Selected):
                selected.append(message.key)
            return post(message)

        wb.agents.post_message = spy  # type: ignore[method-assign]
        assert wb.agents.current_key() == "agent0001"
        await pilot.click("#agents", offset=(3, 5))  # the heading is line 0: the 5th agent
        assert wb.agents.current_key() == "agent0005"
        assert selected == []
        await pilot.click("#agents", offset=(3, 5))  # a second click on the cursor's row selects it
        assert selected == ["agent0005"]
        await pilot.press("down", "enter")
        assert selected == ["agent0005", "agent0006"]
        await pilot.click("#agents", offset=(30, 0))  # the "State" heading (columns 22-32)
        await wait_until(pilot, lambda: wb.agents.sort_key == SortKey.STATE, what="sorted by state")
        assert "sort: state" in str(wb.query_one("#title", Static).render())
