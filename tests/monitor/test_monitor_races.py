"""Monitoring requests that overlap: the backend's token arrives after the supervisor changed their mind.

Pressing F2 then F5 (or F2 on one agent, then on another) in a burst leaves the first request waiting
for its audited token while the second is acted on; the late token must not place a call.
"""

from __future__ import annotations

import asyncio

from agent_tui.domain.supervision import InterventionKind, InterventionRequest, InterventionResult
from agent_tui.ui.monitor.interventions import Interventions
from tests.monitor.doubles import FakeApi, FakePhone


class GatedApi(FakeApi):
    """Holds each intervention until the test opens its gate (the backend being slow)."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: dict[str, asyncio.Event] = {}

    async def intervene(self, request: InterventionRequest) -> InterventionResult:
        """Waits for the agent's gate, then answers as the fake backend does."""
        gate = self.gates.setdefault(request.agent, asyncio.Event())
        await gate.wait()
        return await super().intervene(request)


async def _settle(task: asyncio.Task[object]) -> None:
    await asyncio.wait_for(task, timeout=5)


async def test_stop_while_the_token_is_on_its_way_places_no_call() -> None:
    api, phone = GatedApi(), FakePhone()
    iv = Interventions(api, phone)
    task = asyncio.create_task(iv.monitor("agent0003", InterventionKind.LISTEN))
    await asyncio.sleep(0)  # the request is out, waiting for the backend
    assert iv.stop() is None
    api.gates["agent0003"].set()
    await _settle(task)
    assert phone.calls == []
    assert iv.current is None


async def test_a_newer_request_wins_over_an_older_one_answered_late() -> None:
    api, phone = GatedApi(), FakePhone()
    iv = Interventions(api, phone)
    first = asyncio.create_task(iv.monitor("agent0001", InterventionKind.LISTEN))
    await asyncio.sleep(0)
    second = asyncio.create_task(iv.monitor("agent0002", InterventionKind.LISTEN))
    await asyncio.sleep(0)
    api.gates["agent0002"].set()
    await _settle(second)
    api.gates["agent0001"].set()
    await _settle(first)
    assert [target for target, _ in phone.calls] == ["ext-agent0002"]
    assert phone.hungup == []
    assert iv.current is not None
    assert iv.current.agent == "agent0002"


async def test_f5_in_the_same_burst_wins_over_an_f2_whose_worker_has_not_run_yet() -> None:
    # The wallboard asks at the key press and awaits in a worker; F5 runs before that worker starts.
    api, phone = FakeApi(), FakePhone()
    iv = Interventions(api, phone)
    pending = iv.monitor("agent0003", InterventionKind.LISTEN)
    assert iv.stop() is None
    assert await pending is None
    assert phone.calls == []
    assert iv.current is None
