"""The review endpoints over the shared `BackendClient`: stored attempts, training recordings, model calls.

The desk uploads a training call's recording (`PUT /v1/recordings/{id}?training=true`) once the phone
closed the WAV; the trainer's console reads an attempt, downloads its recording and lists, marks and
plays model calls.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from urllib.parse import quote

from agent_tui.domain.base import Page
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendRejected, BackendUnavailable
from agent_tui.sync.recording_download import download_recording
from agent_tui.sync.responses import raise_for_status

if TYPE_CHECKING:
    # The desk makes a ReviewApi at start; the training models (~2 MB) wait for the first call to it.
    from agent_tui.domain.training import AttemptRecord, ModelCall

log = logging.getLogger(__name__)

UPLOAD_TRIES = 5
UPLOAD_FIRST_WAIT_S = 1.0


@runtime_checkable
class RecordingUploader(Protocol):
    """Uploads a training call's recording (the desk)."""

    async def upload_recording(self, call_id: str, path: Path, *, training: bool = True) -> None:
        """`PUT /v1/recordings/{call_id}` with the WAV at `path`."""


class ReviewBackend(Protocol):
    """What the review and model-call screens need (tests hand in doubles)."""

    async def get_attempt(self, key: int) -> AttemptRecord:
        """One stored attempt."""

    async def download_recording(self, call_id: str, target: Path) -> Path:
        """The recording's WAV written to `target`."""

    async def list_model_calls(self) -> list[ModelCall]:
        """The model calls, newest marked first."""

    async def mark_model_call(self, call_id: str, title: str, note: str) -> ModelCall:
        """Mark a recording as a model call."""

    async def unmark_model_call(self, call_id: str) -> None:
        """The recording is no longer a model call."""


class ReviewApi:
    """`ReviewBackend` and `RecordingUploader` over the real client."""

    def __init__(self, client: BackendClient, *, first_wait_s: float = UPLOAD_FIRST_WAIT_S) -> None:
        self.client = client
        self.first_wait_s = first_wait_s

    async def get_attempt(self, key: int) -> AttemptRecord:
        """`GET /v1/training/attempts/{key}`."""
        from agent_tui.domain.training import AttemptRecord

        return AttemptRecord.model_validate(await self.client.get_json(f"/v1/training/attempts/{key}"))

    async def download_recording(self, call_id: str, target: Path) -> Path:
        """`GET /v1/recordings/{call_id}/audio` into `target` (written whole, then renamed into place)."""
        return await download_recording(self.client, call_id, target)

    async def upload_recording(self, call_id: str, path: Path, *, training: bool = True) -> None:
        """`PUT /v1/recordings/{call_id}` with the WAV; retried with backoff while the backend is away.

        The same content again is answered 200 by the backend, so a retry after a lost answer is safe.
        """
        body = await asyncio.to_thread(path.read_bytes)
        params: dict[str, str | int] = {"training": "true"} if training else {}
        wait = self.first_wait_s
        for attempt in range(1, UPLOAD_TRIES + 1):
            try:
                response = await self.client.send(
                    "PUT", f"/v1/recordings/{quote(call_id, safe='')}", params=params, content=body,
                    headers={"Content-Type": "audio/wav"})
                raise_for_status(response)
                return
            except BackendUnavailable as error:
                if attempt == UPLOAD_TRIES:
                    raise
                log.info("recording %s not uploaded yet (%s); again in %.0f s", call_id, error, wait)
                await asyncio.sleep(wait)
                wait *= 2

    async def list_model_calls(self) -> list[ModelCall]:
        """`GET /v1/model-calls` (newest 200)."""
        from agent_tui.domain.training import ModelCall

        data = await self.client.get_json("/v1/model-calls", {"limit": 200})
        return Page[ModelCall].model_validate(data).items  # pydantic keeps the parametrized class

    async def mark_model_call(self, call_id: str, title: str, note: str) -> ModelCall:
        """`PUT /v1/recordings/{call_id}/model`."""
        from agent_tui.domain.training import ModelCall, ModelCallInput

        body = ModelCallInput(title=title, note=note).model_dump(mode="json")
        data = await self.client.write_json("PUT", f"/v1/recordings/{quote(call_id, safe='')}/model", body)
        return ModelCall.model_validate(data)

    async def unmark_model_call(self, call_id: str) -> None:
        """`DELETE /v1/recordings/{call_id}/model`."""
        await self.client.write_json("DELETE", f"/v1/recordings/{quote(call_id, safe='')}/model")


def rejected_status(error: BaseException) -> int | None:
    """The HTTP status of a refused request (404: no such recording), else None."""
    return error.status if isinstance(error, BackendRejected) else None
