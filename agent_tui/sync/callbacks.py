"""The callback list as the desk uses it: callers recorded while every agent was busy, claimed before
calling back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendRejected


@dataclass(frozen=True)
class PendingCallback:
    """A caller the backend recorded while every agent was busy, waiting to be called back."""

    number: str
    at: datetime
    customer_name: str = ""
    queue: str = ""
    id: str = ""
    claimed_by: str = ""
    """The agent who took it (empty: nobody yet)."""
    reason: str = ""
    """Why the call is owed: `all_busy`, `voicemail`, `abandoned`."""
    voicemail: str = ""
    """The voicemail the caller left (empty: none), heard before calling back."""


class CallbackTaken(Exception):
    """Claiming a callback failed: another agent holds it (`holder`), or it is closed (`holder` empty)."""

    def __init__(self, callback_id: str, holder: str = "") -> None:
        super().__init__(f"callback {callback_id} is taken by {holder}" if holder
                         else f"callback {callback_id} is closed")
        self.callback_id = callback_id
        self.holder = holder


class BackendCallbacks:
    """The callback list (callers recorded while every agent was busy) from the backend."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    async def list_callbacks(self) -> list[PendingCallback]:
        """Open and claimed callbacks, oldest first."""
        return [
            PendingCallback(number=c.number, at=c.queued_at, customer_name=c.customer_name or "",
                            queue=c.queue or "", id=str(c.id), claimed_by=c.claimed_by or "",
                            reason=c.reason.value, voicemail=c.voicemail or "")
            for c in await self.client.list_callbacks()
        ]

    async def claim_callback(self, callback_id: str) -> None:
        """Take it; a 409 becomes `CallbackTaken` naming who holds it (read back from the list)."""
        try:
            await self.client.claim_callback(int(callback_id))
        except BackendRejected as error:
            if error.status != 409:
                raise
            # The holder is read from the list, not parsed out of the problem's English detail.
            holder = next((c.claimed_by or "" for c in await self.client.list_callbacks()
                           if str(c.id) == callback_id), "")
            raise CallbackTaken(callback_id, holder) from error
