"""Outside text on the monitor's pickers is data: a team or queue called `[/]` is shown as it is.

Textual parses plain strings in option lists as markup, and `[/]` with nothing to close raised
MarkupError as the filter's team list opened: the monitor stopped.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Select

from agent_tui.domain.supervision import InterventionKind
from agent_tui.ui.common.reason import ReasonScreen
from tests.monitor.doubles import FakeApi, agent_row, make_monitor, queue_panel, snapshot
from tests.ui.helpers import screen_text, wait_until

HOSTILE = "[/][b]x"


def expanded(select: Select[str], wanted: bool) -> Callable[[], bool]:
    """A wait condition: `select`'s list is open (or closed)."""
    return lambda: select.expanded == wanted


async def test_a_team_and_queue_named_as_markup_are_listed_as_text_in_the_filter() -> None:
    app, _api, _phone, feeds = make_monitor()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        snap = snapshot(agents=2, queues=[queue_panel(HOSTILE)])
        snap.agents[0] = agent_row(1, team=HOSTILE)
        feeds[0].sink.snapshot(snap)
        await wait_until(pilot, lambda: app.wallboard.agents.row_count == 2, what="rows")
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: app.screen.query("#filter-team"), what="the filter")
        for wid in ("#filter-team", "#filter-queue"):
            select = app.screen.query_one(wid, Select)
            select.focus()
            await pilot.press("enter")
            await wait_until(pilot, expanded(select, True), what="the list open")
            await wait_until(pilot, lambda: HOSTILE in screen_text(app), what="the name as text")
            await pilot.press("escape")
            await wait_until(pilot, expanded(select, False), what="the list closed")
        assert app.is_running


class HostileReasons(FakeApi):
    """The backend's Not Ready reason codes include one written as markup."""

    async def list_reasons(self) -> list[str]:
        """Codes as an administrator typed them."""
        return ["break", HOSTILE]


async def test_a_reason_code_written_as_markup_is_offered_as_text_when_forcing_not_ready() -> None:
    app, api, _phone, feeds = make_monitor(api=HostileReasons())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        feeds[0].sink.snapshot(snapshot(agents=2))
        await wait_until(pilot, lambda: app.wallboard.agents.row_count == 2, what="rows")
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen), what="the reasons")
        await wait_until(pilot, lambda: HOSTILE in screen_text(app), what="the code as text")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: api.requests, what="the command")
        assert api.requests[0].kind == InterventionKind.FORCE_NOT_READY
        assert api.requests[0].reason == HOSTILE
