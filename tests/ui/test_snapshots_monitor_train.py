"""The monitor's and the trainer's screens at 80x24 and 120x40, in English and Chinese: every line fits the
terminal, the title, the key hints and the data are on screen (nothing pushed off), in the UI's language.
One app run per mode and size walks its screens: wallboard → Force Not Ready (names the agent) →
recordings → QA form → reports; trainer console →
score card → results → review (scrolled to its end)."""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len
from textual.containers import VerticalScroll

from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.base import utc_now
from agent_tui.domain.recordings import Recording
from agent_tui.domain.training import Attempt, AttemptCreate, TranscriptLine
from agent_tui.i18n import Translator
from agent_tui.ui.common.reason import ReasonScreen
from agent_tui.ui.monitor.qa import QaScreen
from agent_tui.ui.monitor.recordings import RecordingsScreen
from agent_tui.ui.monitor.reports import ReportsScreen
from agent_tui.ui.train.card_screen import ScoreCardScreen
from agent_tui.ui.train.review_playback import RecordingAccess
from agent_tui.ui.train.review_screen import ReviewScreen
from tests.monitor.doubles import FakeApi, agent_row, make_monitor, snapshot
from tests.training.test_scoring import _card
from tests.training_e2e.doubles import FakeTrainingApi
from tests.training_e2e.pilot_helpers import review_first_attempt
from tests.training_e2e.test_console import table_text, trainee
from tests.training_e2e.test_review_ui import FakePlayer, FakeReview, console
from tests.ui.helpers import screen_text, wait_until

SIZES = [(80, 24), (120, 40)]
LANGUAGES = ["en", "zh"]
SCENARIO = "repair_wire_down_en"


def fits(app: Any, size: tuple[int, int]) -> str:
    """The screen's text, checked to fill the terminal exactly and no line to be wider than it."""
    text = screen_text(app)
    lines = text.splitlines()
    assert len(lines) == size[1]
    wide = [line for line in lines if cell_len(line) > size[0]]
    assert not wide, wide
    return text


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
async def test_monitor_screens(size: tuple[int, int], language: str) -> None:
    t = Translator(language).t
    api = FakeApi()
    now = utc_now()
    api.items = [Recording(call_id="demo-rec-01", agent="agent0001", queue="95598-repair",
                           number="13621987654", started_at=now, duration_s=31.5, size=4, sha256="x",
                           uploaded_at=now, uploaded_by="agent0001")]
    app, _api, _phone, feeds = make_monitor(api=api, language=language, theme="monochrome")
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: feeds, what="the feed")
        snap = snapshot(agents=6)
        snap.agents[1] = agent_row(2, AgentStateName.ON_CALL, call_id="call-77", call_number="13800138000")
        feeds[0].sink.snapshot(snap)
        await wait_until(pilot, lambda: app.wallboard.agents.row_count == 6, what="rows")
        await pilot.pause()
        text = fits(app, size)
        assert t("Wallboard") in text
        assert "agent0001" in text
        assert t("Listen") in text.splitlines()[-1]
        # The intervention dialog names the agent it is about.
        app.wallboard.agents.move_cursor(row=app.wallboard.agents.get_row_index("agent0002"))
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen), what="the reasons")
        await pilot.pause()
        text = fits(app, size)
        assert t("Force {agent} Not Ready: why?", agent="agent0002") in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ReasonScreen), what="the wallboard")

        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordingsScreen)
                         and "demo-rec-01" in app.screen.found, what="recordings")
        await pilot.pause()
        text = fits(app, size)
        assert t("Recordings") in text
        assert "demo-rec-01" in text
        assert t("{shown} of {total} recordings", shown=1, total=1) in text

        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, QaScreen), what="the QA form")
        await pilot.pause()
        text = fits(app, size)
        assert t("QA score of call {call}", call="demo-rec-01") in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RecordingsScreen), what="back to recordings")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, RecordingsScreen), what="back")
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: isinstance(app.screen, ReportsScreen)
                         and t("{count} rows", count=2) in screen_text(app), what="the report")
        text = fits(app, size)
        assert t("From (YYYY-MM-DD)") in text
        assert "billing" in text
        assert t("Export CSV") in text.splitlines()[-1]


async def _attempt(api: FakeTrainingApi) -> None:
    lines = [TranscriptLine(at_s=3.0 * i, text=f"A cable is down by the school gate ({i}).")
             for i in range(12)]
    await api.post_attempt(AttemptCreate(
        attempt_id="att-snap", scenario_id=SCENARIO, trainee="agent02", launched_by="trainer01",
        card=_card(SCENARIO, readback_s=0.8), caller_lines=lines, recording="c-snap",
        attempt=Attempt(scenario_id=SCENARIO, route=["fault", "emergency", "contact", "submitted"])))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
async def test_trainer_screens(size: tuple[int, int], language: str) -> None:
    t = Translator(language).t
    api = FakeTrainingApi(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
    await _attempt(api)
    app = console(api, RecordingAccess(FakeReview(), FakePlayer(), export_dir=None), language)
    async with app.run_test(size=size) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), what="the trainees")
        await pilot.pause()
        text = fits(app, size)
        assert t("Trainer console") in text
        assert t("{count} trainee(s) ready. F2 launches a scenario.", count=1) in text

        app.push_screen(ScoreCardScreen("Wire down", _card(SCENARIO)))
        await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen), what="the card")
        await pilot.pause()
        text = fits(app, size)
        assert t("Score card: {title}", title="Wire down") in text
        # A long card scrolls from the keyboard: the verdict and the pass mark are at its end.
        await pilot.press("end")
        card_body = app.screen.query_one("#card-body", VerticalScroll)
        await wait_until(pilot, lambda: card_body.scroll_y == card_body.max_scroll_y, what="the card's end")
        await pilot.pause()
        text = fits(app, size)
        assert t("Passed: the pass mark is {mark}.", mark=85) in text
        assert t("Total {total} of {possible}", total=100, possible=100) in text
        await pilot.press("escape")

        await wait_until(pilot, lambda: not isinstance(app.screen, ScoreCardScreen), what="the card closed")
        await pilot.press("f8")
        review = await review_first_attempt(app, pilot)
        await pilot.pause()
        text = fits(app, size)
        assert "agent02" in text
        assert t("Review: {title} ({trainee})", title="TITLE", trainee="agent02").split("TITLE")[0] in text
        await pilot.press("end")
        body = review.query_one("#review-body", VerticalScroll)
        await wait_until(pilot, lambda: body.scroll_y == body.max_scroll_y, what="the end of the review")
        await pilot.pause()
        text = fits(app, size)
        assert "(11)" in text, "the last caller line is reachable"
        assert t("Recording: call {call}", call="c-snap") in text
        assert t("Steps reached: {steps}", steps="fault → emergency → contact → submitted") in text
        assert t("p plays · e exports a WAV · PgDn/End scroll · Esc closes") in text
        assert isinstance(app.screen, ReviewScreen)
