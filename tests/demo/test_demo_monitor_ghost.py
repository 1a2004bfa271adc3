"""The demo floor's ghost (`python -m agent_tui.demo.monitor ghost`) obeys a supervisor's Force Not
Ready and says so: the finding was "Sent" and nothing happening. Real backend process, the ghost
process as the demo starts it, the supervisor's REST calls; every process stopped by its group."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from agent_tui.domain.supervision import CommandState, CommandStatus
from agent_tui.sync.client import BackendClient
from agent_tui.sync.supervision import SupervisorClient, await_outcome
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.support.sip_peers import free_port, group_members, stop_group
from tests.support.waiting import wait_for


def state_of(sup: httpx.Client, agent: str) -> dict[str, Any]:
    answer = sup.get(f"/v1/agents/{agent}/state")
    answer.raise_for_status()
    state: dict[str, Any] = answer.json()["state"]
    return state


async def _outcome(url: str, command_id: int) -> CommandState:
    """What became of the command, read as the wallboard reads it."""
    client = BackendClient(url)
    try:
        await client.login("sup01", SecretStr(DEMO_PASSWORD))
        return await await_outcome(SupervisorClient(client), command_id, "force_not_ready")
    finally:
        await client.aclose()


def test_the_demo_ghost_obeys_force_not_ready_and_acknowledges_it(tmp_path: Path) -> None:
    backend = RealBackend(tmp_path / "backend", port=free_port())
    backend.workdir.mkdir()
    log = (tmp_path / "ghost.log").open("wb")
    ghost: subprocess.Popen[bytes] | None = None
    try:
        backend.start()
        ghost = subprocess.Popen(
            [sys.executable, "-m", "agent_tui.demo.monitor", "ghost", "--backend", backend.url,
             "--agent", "agent01", "--port", str(free_port())],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        sup = httpx.Client(base_url=backend.url, timeout=10.0)
        login = sup.post("/v1/sessions", json={"username": "sup01", "password": DEMO_PASSWORD})
        sup.headers["Authorization"] = f"Bearer {login.json()['token']}"
        wait_for(lambda: state_of(sup, "agent01")["state"] == "ready", 20.0, interval=0.1,
                 message="the demo ghost Ready")
        sent = sup.post("/v1/interventions", json={"kind": "force_not_ready", "agent": "agent01",
                                                   "reason": "meeting"})
        assert sent.status_code == 202, sent.text
        outcome = asyncio.run(_outcome(backend.url, sent.json()["command_id"]))
        assert outcome.status == CommandStatus.DONE, outcome
        wait_for(lambda: (state_of(sup, "agent01")["state"], state_of(sup, "agent01")["reason"])
                 == ("not_ready", "meeting"), 10.0, interval=0.05, message="agent01 Not Ready (meeting)")
    finally:
        if ghost is not None:
            stop_group(ghost, ghost.pid)
        log.close()
        backend.stop()
    assert ghost is not None
    assert not group_members(ghost.pid)
    assert not backend.leftover_pids()
