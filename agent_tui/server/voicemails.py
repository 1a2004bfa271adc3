"""Voicemails: a caller's message stored like a recording (same folder, size limit and WAV check) and
turned into a callback that names it (`voicemail=<id>`), so a desk plays it before dialling.

Who may play one follows the recordings' rule for an object with an owner: the callback is the
agent's own once claimed; an unclaimed one is anyone's at a desk; supervisors play all (audited).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent_tui.domain.callbacks import CallbackReason
from agent_tui.domain.session import Role
from agent_tui.domain.voice import Voicemail
from agent_tui.server import callback_store, recordings
from agent_tui.server.auth import AuthUser
from agent_tui.server.models import CallbackRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.voice_models import VoicemailRow

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""A voicemail id the uploader chooses (the PBX's call id, or the service's own): safe in a URL and
in a file name, so the same upload retried is recognised."""


def model(row: VoicemailRow) -> Voicemail:
    """A voicemail row as a `Voicemail`."""
    return Voicemail(id=row.id, number=row.number, queue=row.queue, left_at=row.left_at,
                     duration_s=row.duration_s, size=row.size, uploaded_by=row.uploaded_by,
                     callback_id=row.callback_id)


def check_id(voicemail_id: str) -> None:
    """422 for an id outside `ID_PATTERN`."""
    if not ID_PATTERN.fullmatch(voicemail_id):
        raise ProblemError(422, "1-64 letters, digits, '.', '_' or '-'", field="path.voicemail_id")


def store(session: Session, voicemail_id: str, number: str, queue: str | None, at: datetime,
          received: recordings.Received, by: str) -> tuple[Voicemail, bool]:
    """Store a voicemail and its callback: (the voicemail, whether it is new).

    The same content under the same id again is harmless (an upload retried); other content is 409.
    When the number already waits for a callback, the message goes on that one if it has none yet.
    """
    existing = session.get(VoicemailRow, voicemail_id)
    if existing is not None:
        if existing.sha256 != received.sha256:
            raise ProblemError(409, f"voicemail {voicemail_id} already has a different recording")
        return model(existing), False
    callback = callback_store.add(session, number, at, CallbackReason.VOICEMAIL, queue=queue,
                                  voicemail=voicemail_id)
    if callback is None:
        callback = session.execute(
            select(CallbackRow).where(CallbackRow.number == number,
                                      CallbackRow.status.in_(callback_store.OPEN_STATES),
                                      CallbackRow.voicemail.is_(None)).limit(1)
        ).scalar_one_or_none()
        if callback is not None:
            callback.voicemail = voicemail_id
            session.flush()
            callback_store.announce(session, callback)
    row = VoicemailRow(id=voicemail_id, number=number, queue=queue, left_at=at,
                       duration_s=received.duration_s, size=received.size, sha256=received.sha256,
                       uploaded_by=by, callback_id=callback.id if callback is not None else None)
    session.add(row)
    session.flush()
    return model(row), True


def may_play(session: Session, user: AuthUser, row: VoicemailRow) -> bool:
    """Whether `user` may play a voicemail (see the module docstring)."""
    if user.role == Role.SUPERVISOR:
        return True
    if user.role != Role.AGENT:
        return False
    callback = session.get(CallbackRow, row.callback_id) if row.callback_id is not None else None
    if callback is None:
        callback = session.execute(
            select(CallbackRow).where(CallbackRow.voicemail == row.id).limit(1)
        ).scalar_one_or_none()
    return callback is not None and callback.claimed_by in (None, user.username)


