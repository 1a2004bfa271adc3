"""A second launch to a trainee while the first is still starting (F2 Enter F2 Enter) is refused."""

from __future__ import annotations

import asyncio

from tests.training_e2e.doubles import FakeLauncher, FakeTrainingApi
from tests.training_e2e.pilot_helpers import wait_until
from tests.training_e2e.test_console import launch, make_console, table_text, trainee


class SlowApi(FakeTrainingApi):
    """Commands wait for `gate`, as a backend round trip does."""

    def __init__(self) -> None:
        super().__init__(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
        self.gate = asyncio.Event()

    async def command(self, trainee: str, command: str, data: dict[str, object]) -> None:  # type: ignore[override]
        await self.gate.wait()
        await super().command(trainee, command, data)  # type: ignore[arg-type]


async def test_launching_twice_before_the_first_caller_started_rings_once() -> None:
    api = SlowApi()
    app, launcher = make_console(api)
    assert isinstance(launcher, FakeLauncher)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainees")
        await launch(pilot, app)
        await wait_until(pilot, lambda: app.screen is app.console_screen, "the console again")
        await launch(pilot, app)
        await wait_until(pilot, lambda: app.screen is app.console_screen, "the console again")
        api.gate.set()
        await wait_until(pilot, lambda: launcher.callers, "the simulated caller")
        await wait_until(pilot, lambda: not app.console_screen.workers, "the launches settled")
        assert len(launcher.callers) == 1
        assert api.names() == ["training_launch"]


class DownApi(FakeTrainingApi):
    """The backend goes away: the first command fails, later ones work."""

    def __init__(self) -> None:
        super().__init__(trainees=[trainee("agent02", "sip:agent02@127.0.0.1:5070")])
        self.down = True

    async def command(self, trainee: str, command: str, data: dict[str, object]) -> None:  # type: ignore[override]
        if self.down:
            raise ConnectionError("backend unreachable")
        await super().command(trainee, command, data)  # type: ignore[arg-type]


async def test_a_launch_the_backend_refused_can_be_launched_again() -> None:
    api = DownApi()
    app, launcher = make_console(api)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "agent02" in table_text(app), "the trainees")
        await launch(pilot, app)
        await wait_until(pilot, lambda: app.console_screen.roster.rows["agent02"].call == "failed",
                         "the launch marked failed")
        api.down = False
        await launch(pilot, app)
        await wait_until(pilot, lambda: launcher.callers, "the simulated caller of the second launch")
        assert api.names() == ["training_launch"]
