"""Pilot helpers shared by the training tests: wait on a condition, see the scenario picker ready, open a
review from the results."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList

from agent_tui.ui.train.history_screen import HistoryScreen
from agent_tui.ui.train.review_screen import ReviewScreen
from agent_tui.ui.train.scenario_pick import ScenarioPickScreen


def picking(app: Any) -> bool:
    """The scenario list is up and ready for keys."""
    if not isinstance(app.screen, ScenarioPickScreen):
        return False
    lists = app.screen.query(OptionList)  # empty until the picker has composed
    # A highlight exists only once the picker's on_mount ran: before that, a highlight set by the test
    # would be reset to the first scenario.
    return bool(lists) and lists.first().has_focus and lists.first().highlighted is not None


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], object], what: str,
                     deadline_s: float = 10, *, explain: Callable[[], str] | None = None) -> None:
    """Let the app run until `predicate` holds; fail after `deadline_s`, with `explain()` in the message."""
    deadline = time.monotonic() + deadline_s
    while not predicate():
        if time.monotonic() >= deadline:
            detail = f"\n{explain()}" if explain is not None else ""
            raise AssertionError(f"timed out waiting for {what}{detail}")
        await pilot.pause(0.02)


async def choose_scenario(pilot: Pilot[Any], picker: ScenarioPickScreen, scenario_id: str,
                          deadline_s: float = 10) -> None:
    """Highlight `scenario_id` in a ready picker and press Enter.

    The highlight is set again until it holds across a refresh: under load the list may still apply
    its own first highlight after the test set one, and Enter would start the first scenario.
    """
    listing = picker.query_one(OptionList)
    index = [s.id for s in picker.scenarios].index(scenario_id)
    deadline = time.monotonic() + deadline_s
    while True:
        listing.highlighted = index
        await pilot.pause()
        if listing.highlighted == index:
            break
        assert time.monotonic() < deadline, f"the picker kept moving off {scenario_id}"
    await pilot.press("enter")


async def review_first_attempt(app: Any, pilot: Pilot[Any]) -> ReviewScreen:
    """Once the results (HistoryScreen) list attempts, Enter opens the first one's review; that screen."""
    await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.attempts,
                     "the results")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review")
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    return screen
