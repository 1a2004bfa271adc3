"""A live floor for the supervision tests: the real backend, Kamailio, and ghost agents registered there.

Everything is started once per module (it takes a few seconds) in its own process groups and is
stopped by pgid at the end, asserting nothing is left. Ghost agents are `agent-tui bot --backend URL
--user agentNN` registered as extension 10NN (Kamailio's password `secret-10NN`); each sends a
1000 Hz tone as the agent's voice and records its calls. Extension 1801 (sup01's) is a plain bot
sending 700 Hz, where picked-up calls land.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.support.peers import require_binary
from tests.support.sip_peers import AgentBot, BotFactory, Kamailio, Sipp, free_port
from tests.support.waiting import WaitTimeout, wait_for

AGENT_TONE = 1000.0
CUSTOMER_TONE = 440.0
SUPERVISOR_TONE = 700.0
QUEUE = "95598-repair"
GHOSTS = {"agent01": "1001", "agent02": "1002", "agent03": "1003", "agent04": "1004", "agent05": "1005"}
RINGING_GHOST = "agent03"
"""This ghost lets calls ring for a long time (pickup)."""


@dataclass
class Floor:
    """What the tests work with."""

    backend: RealBackend
    kamailio: Kamailio
    bots: BotFactory
    ghosts: dict[str, AgentBot]
    desk_1801: AgentBot
    sipp: Sipp
    workdir: Path

    def http(self, username: str = "sup01") -> httpx.Client:
        """A REST client logged in as `username` (password `demo`)."""
        client = httpx.Client(base_url=self.backend.url, timeout=10.0)
        login = client.post("/v1/sessions", json={"username": username, "password": DEMO_PASSWORD})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        return client

    def customer(self, extension: str, *args: str) -> AgentBot:
        """A caller dialling `extension` through Kamailio with a 440 Hz voice and the queue header."""
        return self.bots("--dial", self.kamailio.uri(extension), "--tone", str(CUSTOMER_TONE),
                         "--header", f"X-Queue={QUEUE}", "--stats-interval", "1", *args)

    def state(self, sup: httpx.Client, agent: str) -> dict[str, Any]:
        """The agent's state as the backend has it."""
        response = sup.get(f"/v1/agents/{agent}/state")
        response.raise_for_status()
        state: dict[str, Any] = response.json()["state"]
        return state

    def wait_state(self, sup: httpx.Client, agent: str, state: str, timeout: float = 15.0,
                   **fields: Any) -> dict[str, Any]:
        """Poll the backend until the agent is in `state` (with `fields`), with a deadline."""
        def reached() -> dict[str, Any] | None:
            current = self.state(sup, agent)
            if current["state"] == state and all(current.get(k) == v for k, v in fields.items()):
                return current
            return None

        return wait_for(reached, timeout, interval=0.05, message=f"{agent} {state} {fields}")


def _isolate(mp: pytest.MonkeyPatch, home: Path) -> None:
    for sub in ("config", "data", "state", "cache", "runtime"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    mp.setenv("HOME", str(home))
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "runtime")):
        mp.setenv(var, str(home / sub))
    mp.delenv("AGENT_TUI_CONFIG", raising=False)
    mp.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    """Backend + Kamailio + five ghost agents + the supervisor's extension, for the whole module."""
    kamailio_bin = require_binary("kamailio", "kamailio")
    sipp_bin = require_binary("sipp", "sip-tester")
    workdir = tmp_path_factory.mktemp("floor")
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, workdir / "home")
        mp.setenv("AGENT_TUI_PASSWORD", DEMO_PASSWORD)  # the ghosts' backend password (test data)
        backend = RealBackend(workdir / "backend", port=free_port())
        backend.workdir.mkdir()
        kamailio = Kamailio(kamailio_bin, workdir / "kamailio")
        kamailio.workdir.mkdir()
        bots = BotFactory(workdir / "bots")
        sipp = Sipp(sipp_bin, workdir / "sipp")
        sipp.workdir.mkdir()
        try:
            backend.start()
            kamailio.start()
            ghosts: dict[str, AgentBot] = {}
            for username, extension in GHOSTS.items():
                # 0.3 s of ringing: a 180 and a 200 sent back to back can cross in Kamailio's two
                # workers, and SIPp aborts on a 180 after the 200.
                answer = "60" if username == RINGING_GHOST else "0.3"
                ghosts[username] = bots("--backend", backend.url, "--user", username,
                                        "--tone", str(AGENT_TONE), "--answer-after", answer,
                                        "--stats-interval", "1", user=extension, registrar=kamailio,
                                        start=False)
            for ghost in ghosts.values():
                ghost.start(timeout=30.0)
            for ghost in ghosts.values():
                ghost.next_event("state", 15.0, where=lambda e: e["state"] == "ready")
            desk_1801 = bots("--tone", str(SUPERVISOR_TONE), "--stats-interval", "1", user="1801",
                             registrar=kamailio)
            yield Floor(backend, kamailio, bots, ghosts, desk_1801, sipp, workdir)
        finally:
            with contextlib.suppress(Exception):
                sipp.stop_all()
            bots.stop_all()
            kamailio.stop()
            backend.stop()
    leftovers = [*bots.leftover_pids(), *kamailio.leftover_pids(), *backend.leftover_pids(),
                 *sipp.leftover_pids()]
    assert not leftovers, f"processes left running: {leftovers}"


def wait_ready(floor: Floor, sup: httpx.Client, agent: str) -> None:
    """Wait until a ghost is Ready again (after-call work over) before giving it a new call."""
    try:
        floor.wait_state(sup, agent, "ready", timeout=15.0)
    except WaitTimeout as error:
        raise WaitTimeout(f"{error}; ghost said: {floor.ghosts[agent].events()[-8:]}") from None
