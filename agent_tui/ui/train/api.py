"""The backend's trainer-mode endpoints over the shared `BackendClient` (server: `routers/training.py`)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import TypeAdapter

from agent_tui.domain.agent import AgentCommand
from agent_tui.domain.base import JsonScalar

if TYPE_CHECKING:
    # The desk makes a TrainingApi at start; the training models (~2 MB) wait for the first call to it.
    from agent_tui.domain.training import (
        AttemptCreate,
        AttemptRecord,
        Scenario,
        ScenarioSummary,
        Trainee,
        TrainingProgress,
    )

ItemT = TypeVar("ItemT")


@functools.cache
def list_adapter(item: type[ItemT]) -> TypeAdapter[list[ItemT]]:
    """A validator of a list of `item`, made on first use (the models themselves are imported late)."""
    return TypeAdapter(list[item])  # type: ignore[valid-type]


class JsonTransport(Protocol):
    """What `TrainingApi` needs of `agent_tui.sync.client.BackendClient`."""

    async def get_json(self, path: str, params: Any = None) -> Any:
        """GET with retries; the decoded JSON."""

    async def write_json(self, method: str, path: str, body: Any = None, *,
                         idempotency_key: str | None = None) -> Any:
        """One write; the decoded JSON (None for 204)."""


class TrainingBackend(Protocol):
    """The training endpoints as the console and the desk use them (tests hand in doubles)."""

    async def list_scenarios(self) -> list[ScenarioSummary]:
        """Every scenario the backend serves."""

    async def get_scenario(self, scenario_id: str) -> Scenario:
        """One whole scenario."""

    async def list_trainees(self) -> list[Trainee]:
        """Agents in training status."""

    async def command(self, trainee: str, command: str, data: dict[str, JsonScalar]) -> None:
        """Send a training command to a trainee's desk."""

    async def report_progress(self, progress: TrainingProgress) -> None:
        """A trainee's desk reports progress to trainers."""

    async def announce(self, sip_uri: str) -> None:
        """The desk is in training status and answers at `sip_uri`."""

    async def withdraw(self) -> None:
        """The desk left training status."""

    async def post_attempt(self, attempt: AttemptCreate) -> AttemptRecord:
        """Store a scored attempt."""

    async def list_attempts(self, trainee: str | None = None) -> list[AttemptRecord]:
        """Stored attempts, newest first."""


class TrainingApi:
    """`TrainingBackend` over the real client."""

    def __init__(self, client: JsonTransport) -> None:
        self.client = client

    async def list_scenarios(self) -> list[ScenarioSummary]:
        """`GET /v1/scenarios` (one page of up to 1000)."""
        from agent_tui.domain.training import ScenarioSummary

        data = await self.client.get_json("/v1/scenarios", {"limit": 1000})
        return list_adapter(ScenarioSummary).validate_python(data["items"])

    async def get_scenario(self, scenario_id: str) -> Scenario:
        """`GET /v1/scenarios/{id}`."""
        from agent_tui.domain.training import Scenario

        return Scenario.model_validate(await self.client.get_json(f"/v1/scenarios/{scenario_id}"))

    async def list_trainees(self) -> list[Trainee]:
        """`GET /v1/training/trainees`."""
        from agent_tui.domain.training import Trainee

        return list_adapter(Trainee).validate_python(await self.client.get_json("/v1/training/trainees"))

    async def command(self, trainee: str, command: str, data: dict[str, JsonScalar]) -> None:
        """`POST /v1/training/trainees/{u}/commands`."""
        body = AgentCommand(command=command, data=data).model_dump(mode="json")
        await self.client.write_json("POST", f"/v1/training/trainees/{trainee}/commands", body)

    async def report_progress(self, progress: TrainingProgress) -> None:
        """`POST /v1/training/progress`."""
        await self.client.write_json("POST", "/v1/training/progress", progress.model_dump(mode="json"))

    async def announce(self, sip_uri: str) -> None:
        """`PUT /v1/training/presence`."""
        from agent_tui.domain.training import TraineePresence

        body = TraineePresence(sip_uri=sip_uri).model_dump(mode="json")
        await self.client.write_json("PUT", "/v1/training/presence", body)

    async def withdraw(self) -> None:
        """`DELETE /v1/training/presence`."""
        await self.client.write_json("DELETE", "/v1/training/presence")

    async def post_attempt(self, attempt: AttemptCreate) -> AttemptRecord:
        """`POST /v1/training/attempts` (the same attempt id again answers the stored one)."""
        from agent_tui.domain.training import AttemptRecord

        data = await self.client.write_json("POST", "/v1/training/attempts", attempt.model_dump(mode="json"))
        return AttemptRecord.model_validate(data)

    async def list_attempts(self, trainee: str | None = None) -> list[AttemptRecord]:
        """`GET /v1/training/attempts` (newest 200)."""
        params: dict[str, str | int] = {"limit": 200}
        if trainee:
            params["trainee"] = trainee
        from agent_tui.domain.training import AttemptRecord

        data = await self.client.get_json("/v1/training/attempts", params)
        return list_adapter(AttemptRecord).validate_python(data["items"])
