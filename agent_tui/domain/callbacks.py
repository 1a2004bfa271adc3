"""Callbacks (回拨): callers owed a call back, as the backend lists them.

Endpoints (all under the reference backend):
- `GET /v1/callbacks`, `POST /v1/callbacks/{id}/claim`, `POST /v1/callbacks/{id}/done` → `Callback`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agent_tui.domain.base import Model, ShortText


class CallbackReason(StrEnum):
    """Why a caller is owed a call back (回拨)."""

    ALL_BUSY = "all_busy"
    VOICEMAIL = "voicemail"
    ABANDONED = "abandoned"


class CallbackStatus(StrEnum):
    """Where a callback stands."""

    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"


class Callback(Model):
    """A caller to call back."""

    id: int
    number: str
    customer_id: int | None = None
    customer_name: str | None = None
    queue: str | None = None
    queued_at: datetime
    reason: CallbackReason
    status: CallbackStatus = CallbackStatus.OPEN
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    done_at: datetime | None = None
    call_id: str | None = Field(default=None, description="The original call.")
    voicemail: str | None = Field(default=None, description="Recording call id of the voicemail.")
    note: str = ""
    due_at: datetime | None = Field(default=None, description="Not offered before this (rescheduled).")


class CallbackDone(Model):
    """Optional body of `POST /v1/callbacks/{id}/done`."""

    note: ShortText = ""
    reached: bool = True
