"""The outbound side of callbacks: a desk asks for the next one, gives one back, or reschedules it.

Endpoints (roles in brackets):
- `POST /v1/callbacks/next` [agent, supervisor] body `CallbackNext` → 200 `Callback` (claimed by the
  caller, atomically: two desks asking at once never get the same one) or 204 when nothing is due.
- `POST /v1/callbacks/{id}/release` [the claiming agent; supervisors] body `CallbackRelease` → `Callback`
  (open again, for anyone).
- `POST /v1/callbacks/{id}/reschedule` [the claiming agent; supervisors] body `CallbackReschedule` →
  `Callback` (open again, offered from `due_at` on).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from agent_tui.domain.base import Model, ShortText


class CallbackNext(Model):
    """Body of `POST /v1/callbacks/next`."""

    queues: list[ShortText] = Field(default_factory=list, max_length=50,
                                     description="Only callbacks of these queues (empty: every queue).")
    skip: list[int] = Field(default_factory=list, max_length=200,
                            description="Callbacks this desk skipped: not offered to it again.")


class CallbackRelease(Model):
    """Body of `POST /v1/callbacks/{id}/release`: why the desk gives it back (skipped, an inbound call)."""

    reason: ShortText = ""


class CallbackReschedule(Model):
    """Body of `POST /v1/callbacks/{id}/reschedule`: call again from `due_at` (the customer asked for a
    later time, or nobody answered)."""

    due_at: datetime
    note: ShortText = ""
