"""The trainer's review at 22 rows scrolls from the keyboard, says once that no recording was stored, and
shows the pass mark (issue 15). Pilot on the console with in-memory doubles."""

from __future__ import annotations

from pathlib import Path

from textual.containers import VerticalScroll
from textual.widgets import Static

from agent_tui.domain.training import Attempt, AttemptCreate, TranscriptLine
from agent_tui.ui.train.card_screen import ScoreCardScreen
from agent_tui.ui.train.review_playback import RecordingAccess
from tests.training.test_scoring import _card
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_console import table_text
from tests.training_e2e.test_review_ui import SCENARIO, FakePlayer, FakeReview, console, open_review, trainees


async def _stored(api: FakeTrainingApi) -> None:
    lines = [TranscriptLine(at_s=4.0 * i, text=f"Caller line {i}: the wire is still sparking.")
             for i in range(20)]
    await api.post_attempt(AttemptCreate(
        attempt_id="att-s1", scenario_id=SCENARIO, trainee="agent02", launched_by="trainer01",
        card=_card(SCENARIO, readback_s=0.8), attempt=Attempt(scenario_id=SCENARIO, route=["fault"]),
        caller_lines=lines, recording=None))


def _all_text(screen: object) -> str:
    from textual.screen import Screen

    assert isinstance(screen, Screen)
    return "\n".join(str(static.render()) for static in screen.query(Static))


async def test_the_review_scrolls_at_22_rows_and_names_a_missing_recording_once(tmp_path: Path) -> None:
    api = FakeTrainingApi(trainees=trainees())
    await _stored(api)
    app = console(api, RecordingAccess(FakeReview(), FakePlayer(), export_dir=tmp_path))
    async with app.run_test(size=(80, 22)) as pilot:
        screen = await open_review(app, pilot)
        body = screen.query_one("#review-body", VerticalScroll)
        await wait_until(pilot, lambda: body.max_scroll_y > 0, "a review longer than the terminal")
        await pilot.press("end")
        await wait_until(pilot, lambda: body.scroll_y == body.max_scroll_y, "End to scroll to the bottom")
        await pilot.press("home")
        await wait_until(pilot, lambda: body.scroll_y == 0, "Home to scroll back")
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: body.scroll_y > 0, "PgDn to scroll")
        await pilot.press("p")
        await wait_until(pilot, lambda: "Nothing to play" in _all_text(screen), "the answer to p")
        assert _all_text(screen).count("No recording was stored for this attempt.") == 1
        assert "the pass mark is 85" in _all_text(screen)


async def test_the_console_lists_trainees_at_once_after_login(tmp_path: Path) -> None:
    # The login loaded the trainees before the console screen was mounted, and they showed only at the
    # first poll 5 s later ("Waiting for trainees in training status…" meanwhile).
    api = FakeTrainingApi(trainees=trainees())
    app = console(api, RecordingAccess(FakeReview(), FakePlayer(), export_dir=tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainee listed", 2)


async def test_the_score_card_states_the_pass_mark(tmp_path: Path) -> None:
    api = FakeTrainingApi(trainees=trainees())
    app = console(api, RecordingAccess(FakeReview(), FakePlayer(), export_dir=tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ScoreCardScreen("Wire down", _card(SCENARIO)))
        await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen) and _all_text(app.screen),
                         "the card")
        shown = _all_text(app.screen)
        assert "Passed: the pass mark is 85." in shown
        assert "captured correctly: no" in shown
