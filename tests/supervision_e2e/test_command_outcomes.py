"""A supervisor's commands to a ghost agent, end to end: the real backend process, `agent-tui bot
--backend` as agent01 (its own phone engine, listening on loopback), a caller bot dialling it, and the
supervisor's REST calls; the outcome read back as the monitor reads it (`await_outcome`).

A command applies at once when the agent is idle, applies after the call when the agent is on one
(the call is not interrupted; the state follows the wrap-up), is refused with why, and a command to an
agent with no program listening is reported not delivered after the deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.domain.supervision import CommandState, CommandStatus
from agent_tui.sync.client import BackendClient
from agent_tui.sync.supervision import SupervisorClient, await_outcome
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.support.sip_peers import AgentBot, BotFactory, free_port
from tests.support.waiting import wait_for

Stack = tuple[RealBackend, AgentBot, BotFactory]


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The backend and one ghost agent (agent01) that answers after 0.3 s; everything stopped by pid."""
    monkeypatch.setenv("AGENT_TUI_PASSWORD", DEMO_PASSWORD)  # the ghost's backend password (test data)
    backend = RealBackend(tmp_path / "backend", port=free_port())
    backend.workdir.mkdir()
    bots = BotFactory(tmp_path / "bots")
    try:
        backend.start()
        ghost = bots("--backend", backend.url, "--user", "agent01", "--answer-after", "0.3", "--tone", "600")
        ghost.next_event("state", 15.0, where=lambda e: e["state"] == "ready")
        yield backend, ghost, bots
    finally:
        bots.stop_all()
        backend.stop()
    leftovers = [*bots.leftover_pids(), *backend.leftover_pids()]
    assert not leftovers, f"processes left running: {leftovers}"


def login(backend: RealBackend, username: str) -> httpx.Client:
    client = httpx.Client(base_url=backend.url, timeout=10.0)
    answer = client.post("/v1/sessions", json={"username": username, "password": DEMO_PASSWORD})
    answer.raise_for_status()
    client.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return client


def state_of(sup: httpx.Client, agent: str) -> dict[str, Any]:
    answer = sup.get(f"/v1/agents/{agent}/state")
    answer.raise_for_status()
    state: dict[str, Any] = answer.json()["state"]
    return state


def wait_state(sup: httpx.Client, agent: str, state: str, reason: str | None = None,
               timeout: float = 15.0) -> None:
    def reached() -> bool:
        now = state_of(sup, agent)
        return bool(now["state"] == state and (reason is None or now["reason"] == reason))

    wait_for(reached, timeout, interval=0.05, message=f"{agent} {state} {reason or ''}")


class Supervisor:
    """sup01 as the monitor is: interventions over REST, outcomes through `await_outcome`."""

    def __init__(self, backend: RealBackend) -> None:
        self.http = login(backend, "sup01")
        self.backend = backend

    def send(self, kind: str, agent: str = "agent01", **fields: str) -> dict[str, Any]:
        answer = self.http.post("/v1/interventions", json={"kind": kind, "agent": agent, **fields})
        assert answer.status_code == 202, answer.text
        result: dict[str, Any] = answer.json()
        return result

    async def outcome(self, result: dict[str, Any]) -> CommandState:
        client = BackendClient(self.backend.url)
        try:
            await client.login("sup01", SecretStr(DEMO_PASSWORD))
            return await await_outcome(SupervisorClient(client), result["command_id"], result["kind"])
        finally:
            await client.aclose()


async def test_commands_to_a_ghost_are_applied_applied_after_the_call_or_refused_and_the_supervisor_sees_it(
    stack: Stack,
) -> None:
    backend, ghost, bots = stack
    sup = Supervisor(backend)
    # Idle: applied at once.
    state = await sup.outcome(sup.send("force_not_ready", reason="meeting"))
    assert (state.status, state.reason) == (CommandStatus.DONE, "")
    wait_state(sup.http, "agent01", "not_ready", "meeting")
    state = await sup.outcome(sup.send("force_ready"))
    assert state.status == CommandStatus.DONE
    wait_state(sup.http, "agent01", "ready")
    # On a call: Not Ready after this call; the call goes on, the state follows the wrap-up.
    caller = bots("--dial", ghost.uri, "--hangup-after", "3", "--tone", "440")
    wait_state(sup.http, "agent01", "on_call")
    sent = sup.send("force_not_ready", reason="break")
    state = await sup.outcome(sent)
    assert (state.status, state.reason) == (CommandStatus.DONE, "after_call"), state
    assert "after this call" in state.detail
    assert state_of(sup.http, "agent01")["state"] in ("on_call", "acw")
    caller.next_event("ended", 15.0)
    wait_state(sup.http, "agent01", "acw")
    wait_state(sup.http, "agent01", "not_ready", "break")
    ack = ghost.next_event("ack", 5.0, where=lambda e: e["command_id"] == sent["command_id"])
    assert (ack["ok"], ack["reason"]) == (True, "after_call")
    # Refused, with why: the ghost's call is over, a release finds nothing to end. The backend
    # refuses a release of an agent not on a call itself, so name a call the ghost does not have.
    agent = login(backend, "agent01")
    agent.put("/v1/agents/agent01/state", json={"state": "on_call", "call_id": "gone"}).raise_for_status()
    state = await sup.outcome(sup.send("force_release", call_id="gone"))
    assert (state.status, state.reason) == (CommandStatus.FAILED, "no_call"), state


async def test_a_command_nobody_acknowledges_is_reported_not_delivered(
    stack: Stack,
) -> None:
    backend, _ghost, _bots = stack
    sup = Supervisor(backend)
    # agent02 is logged in over REST only: no desk or ghost reads its commands.
    agent = login(backend, "agent02")
    agent.put("/v1/agents/agent02/state", json={"state": "ready"}).raise_for_status()
    sent = sup.send("force_not_ready", agent="agent02", reason="meeting")
    assert sup.http.get(f"/v1/commands/{sent['command_id']}").json()["status"] == "sent"
    state = await sup.outcome(sent)
    assert state.status == CommandStatus.NOT_DELIVERED
    assert state.sent_at is not None
    assert state.acknowledged_at is None
    assert state_of(sup.http, "agent02")["state"] == "ready"
