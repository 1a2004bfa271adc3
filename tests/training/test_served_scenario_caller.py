"""The caller process plays the scenario the backend served, even one this install never shipped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agent_tui.training.caller_process import CallerEvent, ProcessLauncher
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios
from tests.support.sip_peers import BotFactory

SHIPPED = "repair_wire_down_zh"
CUSTOM = "custom_trainer_scenario_only_on_the_server"


class Collected:
    """The caller's events as they arrive, with a wake-up for whoever waits for one."""

    def __init__(self) -> None:
        self.events: list[CallerEvent] = []
        self.arrived = asyncio.Condition()

    def __call__(self, event: CallerEvent) -> None:
        self.events.append(event)
        asyncio.get_running_loop().create_task(self._wake())

    async def _wake(self) -> None:
        async with self.arrived:
            self.arrived.notify_all()

    async def first(self, name: str) -> CallerEvent:
        """The first event called `name` (bound the wait with `asyncio.timeout`)."""
        async with self.arrived:
            await self.arrived.wait_for(lambda: any(e.get("event") == name for e in self.events))
        return next(e for e in self.events if e.get("event") == name)


@pytest.mark.peers
def test_a_scenario_only_the_backend_knows_rings_with_its_id(bot_factory: BotFactory, tmp_path: Path) -> None:
    shipped = load_scenarios(bundled_scenarios_dir()).by_id()[SHIPPED]
    served = shipped.model_copy(update={"id": CUSTOM})
    desk = bot_factory("--answer-after", "0.2", "--hangup-after", "1")

    async def run() -> Path:
        launcher = ProcessLauncher(audio=False, log_dir=tmp_path / "logs")
        events = Collected()
        try:
            await launcher.start(CUSTOM, desk.uri, "attempt-7", events, served)
            async with asyncio.timeout(30):
                dialing = await events.first("dialing")
            assert dialing["scenario"] == CUSTOM
            async with asyncio.timeout(30):
                await events.first("ended")
        finally:
            folder = launcher._scenario_files
            await launcher.stop_all()
        assert folder is not None
        return Path(folder.name)

    handed_over = asyncio.run(run())
    assert not handed_over.exists(), "the handed-over scenario files are removed"
    incoming = desk.next_event("incoming", 15)
    assert incoming["headers"]["X-Training-Scenario"] == CUSTOM
    assert incoming["headers"]["X-Training-Attempt"] == "attempt-7"


def test_an_unknown_scenario_without_the_served_copy_ends_the_process(tmp_path: Path) -> None:
    async def run() -> CallerEvent:
        launcher = ProcessLauncher(audio=False, log_dir=tmp_path / "logs")
        events = Collected()
        try:
            await launcher.start(CUSTOM, "sip:nobody@127.0.0.1:9", "attempt-8", events)
            async with asyncio.timeout(30):
                return await events.first("exited")
        finally:
            await launcher.stop_all()

    exited = asyncio.run(run())
    assert exited["code"] != 0
    assert CUSTOM in (tmp_path / "logs" / "caller-attempt-8.log").read_text()
