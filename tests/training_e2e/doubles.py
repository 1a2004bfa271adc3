"""In-process doubles of the training services: a backend that records, a launcher of fake callers."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from agent_tui.domain.base import JsonScalar, utc_now
from agent_tui.domain.session import Role, SessionInfo
from agent_tui.domain.training import (
    AttemptCreate,
    AttemptRecord,
    Scenario,
    ScenarioSummary,
    Trainee,
    TrainingProgress,
)
from agent_tui.training.caller_process import EventSink
from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios


def shipped() -> dict[str, Scenario]:
    """The shipped scenarios by id."""
    return load_scenarios(bundled_scenarios_dir()).by_id()


class FakeTrainingApi:
    """`TrainingBackend` in memory; records every command, progress report and attempt."""

    def __init__(self, scenarios: dict[str, Scenario] | None = None,
                 trainees: list[Trainee] | None = None) -> None:
        self.scenarios = scenarios if scenarios is not None else shipped()
        self.trainees = list(trainees or [])
        self.commands: list[tuple[str, str, dict[str, JsonScalar]]] = []
        self.progress: list[TrainingProgress] = []
        self.attempts: list[AttemptRecord] = []
        self.announced: list[str | None] = []
        self.logins: list[str] = []

    async def login(self, username: str, password: SecretStr) -> SessionInfo:
        self.logins.append(username)
        return SessionInfo(token=SecretStr("t"), role=Role.TRAINER, username=username, expires_at=utc_now())

    async def list_scenarios(self) -> list[ScenarioSummary]:
        return [s.summary_view() for s in self.scenarios.values()]

    async def get_scenario(self, scenario_id: str) -> Scenario:
        return self.scenarios[scenario_id]

    async def list_trainees(self) -> list[Trainee]:
        return list(self.trainees)

    async def command(self, trainee: str, command: str, data: dict[str, JsonScalar]) -> None:
        self.commands.append((trainee, command, dict(data)))

    async def report_progress(self, progress: TrainingProgress) -> None:
        self.progress.append(progress)

    async def announce(self, sip_uri: str) -> None:
        self.announced.append(sip_uri)

    async def withdraw(self) -> None:
        self.announced.append(None)

    async def post_attempt(self, attempt: AttemptCreate) -> AttemptRecord:
        record = AttemptRecord.model_validate({**attempt.model_dump(), "id": len(self.attempts) + 1,
                                               "trainee": attempt.trainee or "agent1", "at": utc_now()})
        self.attempts.insert(0, record)
        return record

    async def list_attempts(self, trainee: str | None = None) -> list[AttemptRecord]:
        return [a for a in self.attempts if trainee is None or a.trainee == trainee]

    def names(self) -> list[str]:
        """The commands sent, by name."""
        return [name for _, name, _ in self.commands]


class FakeCaller:
    """A simulated call that records the commands sent to it; `emit` plays its events."""

    def __init__(self, scenario_id: str, target: str, attempt_id: str, on_event: EventSink) -> None:
        self.scenario_id, self.target, self.attempt_id = scenario_id, target, attempt_id
        self.on_event = on_event
        self.scenario: Scenario | None = None
        """The scenario handed over with the launch (as the backend served it), if any."""
        self.sent: list[dict[str, Any]] = []
        self.alive = True
        self.stopped = False

    @property
    def running(self) -> bool:
        return self.alive

    def send(self, command: dict[str, Any]) -> None:
        self.sent.append(command)

    async def stop(self) -> None:
        self.stopped = True
        self.alive = False

    def emit(self, event: str, **fields: Any) -> None:
        self.on_event({"event": event, **fields})


class FakeLauncher:
    """`CallerLauncher` handing out `FakeCaller`s."""

    def __init__(self) -> None:
        self.callers: list[FakeCaller] = []

    async def start(self, scenario_id: str, target: str, attempt_id: str, on_event: EventSink,
                    scenario: Scenario | None = None) -> FakeCaller:
        caller = FakeCaller(scenario_id, target, attempt_id, on_event)
        caller.scenario = scenario
        self.callers.append(caller)
        return caller
