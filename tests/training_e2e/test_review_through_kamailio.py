"""End to end through Kamailio: a recorded training call is reviewed by the trainer.

A scripted trainee (keys through Pilot) on the real desk, recording calls, practises a scenario: the
simulated caller dials through Kamailio and speaks its espeak-ng lines. The attempt is stored with the
caller's lines and their times; the desk uploads the call's recording marked training (left out of the
supervisors' default search). The trainer's console, logged in to the real backend, opens the review:
the transcript lines are on screen, and the exported recording holds real speech energy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from textual.widgets import Static

from agent_tui.domain.training import AttemptRecord, ScoreCard
from agent_tui.i18n import Translator
from agent_tui.sync.client import BackendClient
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.train.api import TrainingApi
from agent_tui.ui.train.app import TrainApp
from agent_tui.ui.train.console_services import ConsoleServices
from agent_tui.ui.train.history_screen import HistoryScreen
from agent_tui.ui.train.review_api import ReviewApi
from agent_tui.ui.train.review_playback import NoSoundDevice, RecordingAccess
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.support.audio_checks import active_seconds
from tests.support.sip_peers import Kamailio
from tests.support.waiting import wait_for
from tests.training_e2e.doubles import FakeLauncher
from tests.training_e2e.kamailio_desk import api_get, trainee_desk, use_sip_password
from tests.training_e2e.pilot_helpers import review_first_attempt, wait_until

SCENARIO = "repair_wire_down_en"
TRAINEE = "agent06"


class Headless:
    """The test machine's sound: none (the review exports and shows the path)."""

    def play(self, path: Path) -> None:
        raise NoSoundDevice("no output device")


async def practise_recorded(backend: RealBackend, kamailio: Kamailio, recordings: Path) -> ScoreCard:
    """One self-practice call on a real desk that records calls; the card the desk showed."""
    async with trainee_desk(backend, kamailio, TRAINEE, recordings=recordings) as trainee:
        scenario = await trainee.pick(SCENARIO)
        await trainee.play(scenario)
        card = await trainee.score_card()
        # The phone closes the WAV after the call; the desk then uploads it.
        await wait_until(trainee.pilot, lambda: trainee.app.desk.training.uploaded, "the recording uploaded",
                         30, explain=trainee.state)
        await trainee.caller_ended()
        return card


@pytest.fixture(autouse=True)
def _sip_password(monkeypatch: pytest.MonkeyPatch) -> None:
    use_sip_password(monkeypatch, TRAINEE)


async def test_trainer_reviews_a_recorded_training_call(real_backend: RealBackend, kamailio: Kamailio,
                                                        tmp_path: Path) -> None:
    card = await practise_recorded(real_backend, kamailio, tmp_path / "desk-recordings")
    assert card.total == 100, [line.model_dump() for line in card.missed]

    def newest() -> Any:
        items = api_get(real_backend, "trainer01", "/v1/training/attempts", trainee=TRAINEE)["items"]
        return items[0] if items else None

    stored = AttemptRecord.model_validate(wait_for(newest, 20, interval=0.2, message="the attempt stored"))
    scenario = load_scenarios(bundled_scenarios_dir()).by_id()[SCENARIO]
    opening = scenario.lines[0].text
    assert stored.caller_lines, "the caller's lines were stored with their times"
    assert stored.caller_lines[0].text == opening
    assert stored.caller_lines[0].at_s < 10
    assert [line.at_s for line in stored.caller_lines] == sorted(line.at_s for line in stored.caller_lines)
    call_id = stored.recording
    assert call_id is not None
    # Kept apart: not in the supervisors' search, there when training recordings are asked for.
    real = api_get(real_backend, "sup01", "/v1/recordings")["items"]
    assert call_id not in [item["call_id"] for item in real]
    drills = api_get(real_backend, "sup01", "/v1/recordings", training="true")["items"]
    assert [item["training"] for item in drills if item["call_id"] == call_id] == [True]

    # The trainer's console on the real backend: results → review.
    client = BackendClient(real_backend.url)
    exports = tmp_path / "exports"
    access = RecordingAccess(ReviewApi(client), Headless(), export_dir=exports)
    api = TrainingApi(client)
    services = ConsoleServices(auth=client, api=api, launcher=FakeLauncher(), recordings=access)
    app = TrainApp(services, DeskOptions(username="trainer01"), password=SecretStr(DEMO_PASSWORD),
                   translator=Translator("en"))
    try:
        async with app.run_test(size=(120, 45)) as pilot:
            await wait_until(pilot, lambda: app.session is not None, "the trainer's login")
            scenarios = {s.id: s for s in await api.list_scenarios()}
            app.push_screen(HistoryScreen(api, TRAINEE, scenarios, recordings=access))
            screen = await review_first_attempt(app, pilot)
            transcript = str(screen.query_one("#review-transcript", Static).render())
            first = stored.caller_lines[0]
            assert f"{first.clock()}  {opening[:40]}" in transcript
            assert len(transcript.splitlines()) >= len(stored.caller_lines)
            assert "Total 100 of 100" in str(screen.query_one("#review-card", Static).render())
            await pilot.press("p")
            await wait_until(pilot, lambda: screen.exported, "the recording exported", 20)
            status = str(screen.query_one("#review-status", Static).render()).replace("\n", "")
            assert screen.exported[0] in status
    finally:
        await client.aclose()
    exported = Path(screen.exported[0])
    assert exported.parent == exports
    speech = active_seconds(exported, threshold=0.02)
    assert speech > 1.0, f"only {speech:.2f} s of sound in the training recording"
