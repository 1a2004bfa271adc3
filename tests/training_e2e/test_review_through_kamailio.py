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

import httpx
import pytest
from pydantic import SecretStr
from textual.widgets import OptionList, Static

from agent_tui.config import Settings
from agent_tui.domain.training import AttemptRecord, ScoreCard
from agent_tui.forms.drafts import DraftStore
from agent_tui.i18n import Translator
from agent_tui.paths import state_dir
from agent_tui.sync.client import BackendClient
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios
from agent_tui.ui.app import DeskApp
from agent_tui.ui.launch import BackendScreens, LiveStream, OutboxWrites, build_phone, desk_options
from agent_tui.ui.options import DeskOptions
from agent_tui.ui.services import DeskServices
from agent_tui.ui.train.api import TrainingApi
from agent_tui.ui.train.app import ConsoleServices, TrainApp
from agent_tui.ui.train.autopilot import play_call
from agent_tui.ui.train.caller_process import ProcessLauncher
from agent_tui.ui.train.card_screen import ScoreCardScreen
from agent_tui.ui.train.history_screen import HistoryScreen
from agent_tui.ui.train.launch import desk_training
from agent_tui.ui.train.review_api import ReviewApi
from agent_tui.ui.train.review_playback import NoSoundDevice, RecordingAccess
from agent_tui.ui.train.review_screen import ReviewScreen
from agent_tui.ui.train.scenario_pick import ScenarioPickScreen
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.support.audio_checks import active_seconds
from tests.support.peers import require_binary
from tests.support.sip_peers import Kamailio, password_of
from tests.support.waiting import wait_for
from tests.training_e2e.doubles import FakeLauncher
from tests.training_e2e.pilot_helpers import picking, wait_until

SCENARIO = "repair_wire_down_en"
TRAINEE = "agent06"


class Headless:
    """The test machine's sound: none (the review exports and shows the path)."""

    def play(self, path: Path) -> None:
        raise NoSoundDevice("no output device")


async def practise_recorded(backend: RealBackend, kamailio: Kamailio, recordings: Path) -> ScoreCard:
    """One self-practice call on a real desk that records calls; the card the desk showed."""
    settings = Settings(
        backend={"url": backend.url, "username": TRAINEE},
        sip={"mode": "registrar", "listen": "127.0.0.1:0",
             "accounts": [{"user": TRAINEE, "domain": "127.0.0.1", "registrars": [kamailio.uri()],
                           "health_interval_s": 0}]},
        recording={"enabled": True, "directory": str(recordings)},
    )
    client = BackendClient(backend.url)
    writes = OutboxWrites(client)
    live = LiveStream(client)
    phone = build_phone(settings, None, None)
    assert phone is not None
    training = desk_training(settings, client)
    launcher = training.launcher
    assert isinstance(launcher, ProcessLauncher)
    services = DeskServices(backend=client, writes=writes, phone=phone, screens=BackendScreens(client),
                            events=live, drafts=DraftStore(state_dir() / "drafts"), training=training)

    def started(_info: object) -> None:
        writes.outbox.start()
        live.start()

    async def shutdown() -> None:
        await live.stop()
        await writes.outbox.stop()
        await client.aclose()

    services.on_logged_in.append(started)
    services.on_shutdown.append(shutdown)
    app = DeskApp(services, desk_options(settings, TRAINEE), password=SecretStr(DEMO_PASSWORD))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            desk = app.desk
            await wait_until(pilot, lambda: desk.sip_ok is True, "the registration", 20)
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: picking(app), "the scenarios", 10)
            picker = app.screen
            assert isinstance(picker, ScenarioPickScreen)
            picker.query_one(OptionList).highlighted = [s.id for s in picker.scenarios].index(SCENARIO)
            await pilot.press("enter")
            scenario = await desk.training.scenario(SCENARIO)
            await play_call(pilot, scenario, ring_deadline_s=60)
            await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen), "the score card", 90)
            card_screen = app.screen
            assert isinstance(card_screen, ScoreCardScreen)
            # The phone closes the WAV after the call; the desk then uploads it.
            await wait_until(pilot, lambda: desk.training.uploaded, "the recording uploaded", 30)
            await wait_until(pilot, lambda: not any(c.running for c in launcher.started), "the caller to end",
                             20)
            return card_screen.card
    finally:
        phone.stop()
        for caller in launcher.started:
            assert not caller.running, f"caller process {caller.pid} left running"


def api_get(backend: RealBackend, username: str, path: str, **params: Any) -> Any:
    with httpx.Client(base_url=backend.url, timeout=10) as http:
        login = {"username": username, "password": DEMO_PASSWORD}
        token = http.post("/v1/sessions", json=login).json()["token"]
        answer = http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(autouse=True)
def _sip_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's SIP password comes from the environment (no prompt); Kamailio's rule: secret-USER."""
    require_binary("espeak-ng", "espeak-ng")
    monkeypatch.setenv("AGENT_TUI_SIP_PASSWORD", password_of(TRAINEE))


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
            await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.attempts,
                             "the results")
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review")
            screen = app.screen
            assert isinstance(screen, ReviewScreen)
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
