"""The trainer's flow end to end, as `agent-tui demo train` runs it: the real console (through Pilot), the
real backend, and the scripted trainee desk (`python -m agent_tui.demo.train`, headless, its own process
with its own phone engine).

The trainer launches a scenario from the console; the console tells the desk, starts the simulated
caller process, which rings the desk at the address it announced; the desk's steps reach the console
over the backend's event stream and cue the caller; the captions go to the desk; the result comes back.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent_tui.sync.client import BackendClient
from agent_tui.sync.desk_link import LiveStream
from agent_tui.training.caller_process import ProcessLauncher
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.train.api import TrainingApi
from agent_tui.ui.train.app import TrainApp
from agent_tui.ui.train.console_services import ConsoleServices
from agent_tui.ui.train.scenario_pick import ScenarioPickScreen
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.support.peers import require_binary
from tests.support.sip_peers import free_udp_ports, group_members, stop_group
from tests.training_e2e.diagnosis import callers_state
from tests.training_e2e.pilot_helpers import choose_scenario, picking, wait_until

SCENARIO = "status_query_complaint_en"


@pytest.fixture
def scripted_trainee(real_backend: RealBackend, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The demo's scripted trainee desk for one call, stopped by its process group afterwards."""
    require_binary("espeak-ng", "espeak-ng")
    port = free_udp_ports(1)[0]
    log = (tmp_path / "trainee.out").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent_tui.demo.train", "--backend", real_backend.url, "--sip-port", str(port),
         "--calls", "1", "--think", "0", "--skip-every", "0", "--log", str(tmp_path / "trainee.log")],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    log.close()
    try:
        yield proc
    finally:
        stop_group(proc, proc.pid)
        assert not group_members(proc.pid), "scripted trainee processes left running"


async def test_trainer_launches_watches_and_gets_the_score(real_backend: RealBackend, tmp_path: Path,
                                                          scripted_trainee: subprocess.Popen[bytes]) -> None:
    client = BackendClient(real_backend.url)
    live = LiveStream(client)
    launcher = ProcessLauncher(log_dir=tmp_path / "callers")
    services = ConsoleServices(auth=client, api=TrainingApi(client), launcher=launcher, events=live)

    async def shutdown() -> None:
        await live.stop()
        await launcher.stop_all()
        await client.aclose()

    services.on_logged_in.append(lambda _info: live.start())
    services.on_shutdown.append(shutdown)
    app = TrainApp(services, DeskOptions(username="trainer01"), password=SecretStr(DEMO_PASSWORD))
    async with app.run_test(size=(120, 30)) as pilot:
        console = app.console_screen
        await wait_until(pilot, lambda: (row := console.roster.rows.get("agent02")) is not None
                         and row.trainee.sip_uri, "the trainee announced", 60)
        console.action_refresh()
        await pilot.press("f2")
        await wait_until(pilot, lambda: picking(app), "the scenarios", 10)
        picker = app.screen
        assert isinstance(picker, ScenarioPickScreen)
        await choose_scenario(pilot, picker, SCENARIO)
        row = console.roster.rows["agent02"]

        def where() -> str:
            return f"trainee row: {row}\n{callers_state(launcher)}"

        await wait_until(pilot, lambda: row.call == "answered", "the trainee to answer", 60, explain=where)
        await wait_until(pilot, lambda: row.score, "the result", 90, explain=where)
        assert row.score.startswith("100"), (row.score, row.steps)
        assert row.steps[0] == "order"
        assert row.steps[-1] == "done"
        assert row.caption, "the caller's lines were seen on the console"
        attempts = await services.api.list_attempts("agent02")
        assert attempts[0].launched_by == "trainer01"
        assert attempts[0].scenario_id == SCENARIO
        assert attempts[0].card.total == 100
        assert scripted_trainee.wait(30) == 0
    for caller in launcher.started:
        assert not caller.running
