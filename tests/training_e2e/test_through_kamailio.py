"""End to end through Kamailio: a scripted trainee on the real desk, the real backend, the real phone engine.

The trainee desk registers with Kamailio (digest auth), practises a scenario from the desk (ctrl+t): the
desk starts the simulated caller process, which dials the trainee's address of record through Kamailio
with the scenario's IVR and training headers. The scripted trainee (keys through Pilot) answers, fills
the order, reads back and submits; the caller's lines arrive as captions, cued by the steps reached; at
the end the score card is shown and stored in the backend. A trainee who skips the read-back scores
lower and the card names the miss.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from textual.widgets import OptionList

from agent_tui.config import Settings
from agent_tui.domain.training import ScoreCard
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.sync.client import BackendClient
from agent_tui.ui.app import DeskApp
from agent_tui.ui.launch import BackendScreens, LiveStream, OutboxWrites, build_phone, desk_options
from agent_tui.ui.services import DeskServices
from agent_tui.ui.train.autopilot import play_call
from agent_tui.ui.train.caller_process import ProcessLauncher
from agent_tui.ui.train.card_screen import ScoreCardScreen
from agent_tui.ui.train.launch import desk_training
from agent_tui.ui.train.panel import TrainingPanel
from agent_tui.ui.train.scenario_pick import ScenarioPickScreen
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.support.peers import require_binary
from tests.support.sip_peers import Kamailio, password_of
from tests.support.waiting import wait_for
from tests.training_e2e.pilot_helpers import picking, wait_until

SCENARIO = "repair_wire_down_en"




async def practise(backend: RealBackend, kamailio: Kamailio, username: str, *,
                   skip_readback: bool) -> ScoreCard:
    """One self-practice call of SCENARIO on a real desk; answers the card the desk showed."""
    settings = Settings(
        backend={"url": backend.url, "username": username},
        sip={"mode": "registrar", "listen": "127.0.0.1:0",
             "accounts": [{"user": username, "domain": "127.0.0.1", "registrars": [kamailio.uri()],
                           "health_interval_s": 0}]},
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
    app = DeskApp(services, desk_options(settings, username), password=SecretStr(DEMO_PASSWORD))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            desk = app.desk
            await wait_until(pilot, lambda: desk.sip_ok is True, "the registration", 20)
            assert training.sip_uri == f"sip:{username}@{kamailio.address}"
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: picking(app), "the scenarios", 10)
            picker = app.screen
            assert isinstance(picker, ScenarioPickScreen)
            picker.query_one(OptionList).highlighted = [s.id for s in picker.scenarios].index(SCENARIO)
            await pilot.press("enter")
            scenario = await desk.training.scenario(SCENARIO)
            await play_call(pilot, scenario, skip_readback=skip_readback, ring_deadline_s=60)
            # The opening line came as a caption, cued by the answer.
            current = desk.training.current
            assert current is not None
            assert scenario.lines[0].text[:30] in " ".join(current.captions)
            panel = desk.query_one(TrainingPanel)
            assert panel.shown
            await wait_until(pilot, lambda: isinstance(app.screen, ScoreCardScreen), "the score card", 90)
            card_screen = app.screen
            assert isinstance(card_screen, ScoreCardScreen)
            await wait_until(pilot, lambda: not any(c.running for c in launcher.started), "the caller to end",
                             20)
            return card_screen.card
    finally:
        phone.stop()
        for caller in launcher.started:
            assert not caller.running, f"caller process {caller.pid} left running"


def stored_attempts(backend: RealBackend, username: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=backend.url, timeout=10) as http:
        login = {"username": username, "password": DEMO_PASSWORD}
        token = http.post("/v1/sessions", json=login).json()["token"]
        answer = http.get("/v1/training/attempts", headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        items: list[dict[str, Any]] = answer.json()["items"]
        return items


@pytest.fixture(autouse=True)
def _sip_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk's SIP password comes from the environment (no prompt); Kamailio's rule: secret-USER."""
    require_binary("espeak-ng", "espeak-ng")
    monkeypatch.setenv("AGENT_TUI_SIP_PASSWORD", password_of("agent05"))


async def test_scripted_trainee_scores_100(real_backend: RealBackend, kamailio: Kamailio) -> None:
    card = await practise(real_backend, kamailio, "agent05", skip_readback=False)
    assert card.total == 100, [line.model_dump() for line in card.missed]
    assert card.passed
    stored = wait_for(lambda: stored_attempts(real_backend, "agent05"), 20, interval=0.2,
                      message="the attempt in the backend")[0]
    assert stored["card"]["total"] == 100
    assert stored["scenario_id"] == SCENARIO
    assert stored["launched_by"] is None
    assert stored["transcript"], "the caller's lines were kept as the transcript"


async def test_skipping_the_readback_scores_lower_and_says_so(real_backend: RealBackend,
                                                               kamailio: Kamailio) -> None:
    card = await practise(real_backend, kamailio, "agent05", skip_readback=True)
    assert card.total < 100
    assert not card.passed
    missed = {line.key: line for line in card.missed}
    assert list(missed) == ["step:readback"]
    assert "read-back" in missed["step:readback"].text
