"""A real trainee desk registered with Kamailio, for the end-to-end training tests through Kamailio.

`trainee_desk` builds the desk the way `agent-tui desk` does (real backend client, outbox, live events,
the pjsua2 phone, training services that start the simulated caller process), runs it under Pilot until
it is registered, and on the way out stops the phone and checks that no caller process is left running.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from textual.pilot import Pilot

from agent_tui.config import Settings
from agent_tui.domain.training import Scenario, ScoreCard
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.phone.desk_phone import build_phone
from agent_tui.sync.client import BackendClient
from agent_tui.sync.desk_link import LiveStream, OutboxWrites
from agent_tui.sync.screens import BackendScreens
from agent_tui.training.caller_process import ProcessLauncher
from agent_tui.ui.common.options import desk_options
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.services import DeskServices
from agent_tui.ui.train.autopilot import AutopilotTimeout, play_call
from agent_tui.ui.train.card_screen import ScoreCardScreen
from agent_tui.ui.train.launch import desk_training
from agent_tui.ui.train.scenario_pick import ScenarioPickScreen
from agent_tui.ui.train.services import DeskTrainingServices
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.support.peers import require_binary
from tests.support.sip_peers import Kamailio, password_of
from tests.training_e2e.diagnosis import practice_state
from tests.training_e2e.pilot_helpers import choose_scenario, picking, wait_until


def use_sip_password(monkeypatch: pytest.MonkeyPatch, username: str) -> None:
    """The desk's SIP password comes from the environment (no prompt); Kamailio's rule: secret-USER.

    The simulated caller speaks through espeak-ng, so it is required too.
    """
    require_binary("espeak-ng", "espeak-ng")
    monkeypatch.setenv("AGENT_TUI_SIP_PASSWORD", password_of(username))


def api_get(backend: RealBackend, username: str, path: str, **params: Any) -> Any:
    """`GET path` on the real backend as `username` (demo password); the decoded JSON."""
    with httpx.Client(base_url=backend.url, timeout=10) as http:
        login = {"username": username, "password": DEMO_PASSWORD}
        token = http.post("/v1/sessions", json=login).json()["token"]
        answer = http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return answer.json()


@dataclass
class TraineeDesk:
    """The running desk under Pilot, its training services and the caller processes they started."""

    app: DeskApp
    pilot: Pilot[Any]
    training: DeskTrainingServices
    launcher: ProcessLauncher

    async def pick(self, scenario_id: str) -> Scenario:
        """Practise `scenario_id` from the desk (ctrl+t, the picker, enter); the scenario."""
        await self.pilot.press("ctrl+t")
        await wait_until(self.pilot, lambda: picking(self.app), "the scenarios", 10)
        picker = self.app.screen
        assert isinstance(picker, ScenarioPickScreen)
        await choose_scenario(self.pilot, picker, scenario_id)
        return await self.app.desk.training.scenario(scenario_id)

    def state(self) -> str:
        """Where the practice call is (desk, call, caller processes): the message of a failed wait."""
        return practice_state(self.app, self.launcher)

    async def play(self, scenario: Scenario, *, skip_readback: bool = False) -> None:
        """The scripted trainee takes the practice call (see `play_call`); a timeout says where it stuck."""
        try:
            await play_call(self.pilot, scenario, skip_readback=skip_readback, ring_deadline_s=60)
        except AutopilotTimeout as error:
            raise AssertionError(f"{error}\n{self.state()}") from error

    async def score_card(self) -> ScoreCard:
        """The card the desk shows once the practice call ended."""
        await wait_until(self.pilot, lambda: isinstance(self.app.screen, ScoreCardScreen), "the score card",
                         90, explain=self.state)
        card_screen = self.app.screen
        assert isinstance(card_screen, ScoreCardScreen)
        return card_screen.card

    async def caller_ended(self) -> None:
        """Wait until every simulated caller process the desk started has ended, each cleanly (a crash
        would otherwise hide behind the card the desk shows for the call it then ends itself)."""
        await wait_until(self.pilot, lambda: not any(c.running for c in self.launcher.started),
                         "the caller to end", 20, explain=self.state)
        codes = [caller.proc.returncode for caller in self.launcher.started]
        assert codes, "no caller process was started"
        assert all(code == 0 for code in codes), f"caller exit codes {codes}\n{self.state()}"


@asynccontextmanager
async def trainee_desk(backend: RealBackend, kamailio: Kamailio, username: str, *,
                       recordings: Path | None = None) -> AsyncIterator[TraineeDesk]:
    """A real desk for `username`, registered with `kamailio`; `recordings`: record calls there."""
    extra: dict[str, Any] = {}
    if recordings is not None:
        extra["recording"] = {"enabled": True, "directory": str(recordings)}
    settings = Settings(
        backend={"url": backend.url, "username": username},
        sip={"mode": "registrar", "listen": "127.0.0.1:0",
             "accounts": [{"user": username, "domain": "127.0.0.1", "registrars": [kamailio.uri()],
                           "health_interval_s": 0}]},
        **extra,
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
            await wait_until(pilot, lambda: app.desk.sip_ok is True, "the registration", 20)
            yield TraineeDesk(app, pilot, training, launcher)
    finally:
        phone.stop()
        for caller in launcher.started:
            assert not caller.running, f"caller process {caller.pid} left running"
