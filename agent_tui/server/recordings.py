"""Recording files: streamed to disk under their SHA-256 (size-limited, checked as WAV), rows kept in sync
with the call records."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from agent_tui import paths
from agent_tui.domain.call import CallRecord
from agent_tui.domain.recordings import Recording
from agent_tui.server.problems import ProblemError
from agent_tui.server.recording_models import RecordingRow
from agent_tui.server.settings import ServerSettings

CHUNK = 64 * 1024


def folder(settings: ServerSettings) -> Path:
    """Where recordings are kept (made on first use)."""
    path = settings.recordings_dir or paths.state_dir() / "recordings"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(settings: ServerSettings, sha256: str) -> Path:
    """The file of a recording with this digest."""
    return folder(settings) / sha256[:2] / f"{sha256}.wav"


@dataclass(frozen=True, slots=True)
class Received:
    """An upload written to a temporary file."""

    temp: Path
    size: int
    sha256: str
    duration_s: float


async def receive(chunks: AsyncIterator[bytes], settings: ServerSettings) -> Received:
    """Write an upload to a temporary file next to the store: 413 over the limit, 415 when not a WAV."""
    limit = settings.max_recording_bytes
    digest = hashlib.sha256()
    size = 0
    handle, name = tempfile.mkstemp(dir=folder(settings), suffix=".part")
    temp = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise ProblemError(413, f"recording over {limit} bytes")
                digest.update(chunk)
                await run_in_threadpool(out.write, chunk)
        duration = await run_in_threadpool(wav_duration, temp)
    except BaseException:
        await run_in_threadpool(discard_path, temp)
        raise
    return Received(temp, size, digest.hexdigest(), duration)


def wav_duration(path: Path) -> float:
    """Seconds of audio in a WAV file; 415 when it is not one."""
    try:
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            if rate <= 0:
                raise ProblemError(415, "WAV with a frame rate of 0")
            return wav.getnframes() / rate
    except (wave.Error, EOFError) as exc:
        raise ProblemError(415, f"the body is not a WAV file ({exc})") from exc


def keep(received: Received, settings: ServerSettings) -> None:
    """Move an upload to its place in the store (the same content is stored once)."""
    target = path_of(settings, received.sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        received.temp.unlink(missing_ok=True)
    else:
        os.replace(received.temp, target)


Stored = TypeVar("Stored")


async def settle(received: Received, settings: ServerSettings,
                 store: Callable[[], Awaitable[tuple[Stored, bool]]]) -> tuple[Stored, bool]:
    """Store the row an upload belongs to, then keep the file only when a new row was made: the same
    content sent again, or a store that failed, leaves nothing behind. The row and whether it is new."""
    try:
        stored, created = await store()
    except BaseException:
        discard(received)
        raise
    if created:
        keep(received, settings)
    else:
        discard(received)
    return stored, created


def discard(received: Received) -> None:
    """Remove an upload that is not kept."""
    discard_path(received.temp)


def discard_path(path: Path) -> None:
    """Remove a temporary file, if it is still there."""
    with contextlib.suppress(OSError):
        path.unlink()


def model(row: RecordingRow) -> Recording:
    """A recording row as a `Recording`."""
    return Recording(
        call_id=row.call_id, agent=row.agent, queue=row.queue, customer_id=row.customer_id, number=row.number,
        started_at=row.started_at, duration_s=row.duration_s, size=row.size, sha256=row.sha256,
        uploaded_at=row.uploaded_at, uploaded_by=row.uploaded_by, training=bool(row.training),
    )


def refresh_from_call(session: Session, body: CallRecord) -> None:
    """A later call record fills in the recording's agent, queue, customer, number and start."""
    row = session.get(RecordingRow, body.call_id)
    if row is None:
        return
    row.agent = body.agent or row.agent
    row.queue = body.queue or row.queue
    row.customer_id = body.customer_id if body.customer_id is not None else row.customer_id
    row.number = body.number or row.number
    row.started_at = body.answered_at or body.offered_at or row.started_at
    row.training = body.training  # the call record is authoritative: a real call is never hidden as training
