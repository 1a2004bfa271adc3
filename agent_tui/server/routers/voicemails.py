"""`/v1/voicemails`: callers' messages, uploaded by the voice service or the PBX, played at desks.

The upload is a WAV body (as a recording's); it makes a callback with `voicemail=<id>`. Desks play
the audio from their callbacks list: agents the unclaimed ones and their own, supervisors any (audited).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse

from agent_tui.domain.base import utc_now
from agent_tui.domain.session import Role
from agent_tui.domain.voice import Voicemail
from agent_tui.server import audit, recordings, voicemails
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.deps import Settings
from agent_tui.server.problems import ProblemError
from agent_tui.server.voice_models import VoicemailRow

router = APIRouter(prefix="/v1/voicemails", tags=["voicemails"])


@router.put("/{voicemail_id}", status_code=201,
            responses={200: {"description": "The same voicemail was stored before."}})
async def put_voicemail(
    voicemail_id: str, request: Request, response: Response, user: CurrentUser, db: Db, settings: Settings,
    number: Annotated[str, Query(min_length=1, max_length=200, description="The caller's number.")],
    queue: Annotated[str | None, Query(max_length=200)] = None,
    left_at: Annotated[datetime | None, Query(description="When it was left (default: now).")] = None,
) -> Voicemail:
    """Store a voicemail (the WAV body) and the callback that names it; retrying the same is a no-op."""
    voicemails.check_id(voicemail_id)
    if not number.strip():
        raise ProblemError(422, "the caller's number is empty", field="query.number")
    at = left_at if left_at is not None and left_at.tzinfo is not None else utc_now()
    received = await recordings.receive(request.stream(), settings)

    def work() -> tuple[Voicemail, bool]:
        with db.write() as session:
            return voicemails.store(session, voicemail_id, number.strip(), queue or None, at, received,
                                    user.username)

    stored, created = await recordings.settle(received, settings, lambda: run_in_threadpool(work))
    if not created:
        response.status_code = 200
    return stored


@router.get("/{voicemail_id}/audio", response_class=FileResponse,
            responses={200: {"content": {"audio/wav": {}}}})
def voicemail_audio(voicemail_id: str, user: CurrentUser, db: Db, settings: Settings) -> FileResponse:
    """The WAV of a voicemail: agents an unclaimed one or their own callback's, supervisors any."""
    with db.write() as session:
        row = session.get(VoicemailRow, voicemail_id)
        if row is None or not voicemails.may_play(session, user, row):
            raise ProblemError(404, f"no voicemail {voicemail_id}")
        if user.role != Role.AGENT:
            audit.record(session, user.username, "play_voicemail", detail={"voicemail": voicemail_id})
        path = recordings.path_of(settings, row.sha256)
    if not path.is_file():
        raise ProblemError(404, f"the audio of voicemail {voicemail_id} is missing on the server")
    return FileResponse(path, media_type="audio/wav", filename=f"voicemail-{voicemail_id}.wav")
