"""The desk's way to the backend: writes through the durable outbox, live events from the SSE stream,
and the link status both report."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from agent_tui.domain.agent import AgentStateChange
from agent_tui.domain.call import CallRecord
from agent_tui.domain.callbacks import CallbackDone
from agent_tui.domain.ticket import TicketCreate
from agent_tui.sync.client import BackendClient
from agent_tui.sync.events import EventStream
from agent_tui.sync.link_health import LinkHealth, LinkHealthStatus
from agent_tui.sync.link_view import link_summary
from agent_tui.sync.outbox import Delivery, Outbox, OutboxStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkStatus:
    """Health of the way to the backend, as the outbox sees it."""

    online: bool
    queued: int = 0
    dead_letters: int = 0
    detail: str = ""
    delivered: str | None = None
    """The reference (idempotency key) of a write the backend just accepted, if this report is about one."""


LinkListener = Callable[[LinkStatus], None]

TICKET_KIND = "ticket"
"""The outbox kind of a work order: the one write whose delivery the desk is told about by itself."""


def _model_json(model: Any) -> Any:
    return model.model_dump(mode="json", exclude_none=False)


def _has_wrapup(record: CallRecord) -> bool:
    """Whether a call record carries what the agent typed or chose in the wrap-up."""
    return bool(record.disposition or record.first_call_resolved is not None or record.transfer_reason
                or record.notes or record.ticket_ids)


class OutboxWrites:
    """`DeskWrites` over the durable `Outbox`: each write is journalled before it returns, and fsynced
    before it returns when the agent is told it was saved."""

    def __init__(self, client: BackendClient, health: LinkHealth | None = None) -> None:
        self._listener: LinkListener | None = None
        self.outbox = Outbox(client, on_status=self._status, on_delivered=self._delivered)
        self.health = health
        """Whether the backend answers (None: judged by the outbox alone)."""
        if health is not None:
            health.add_listener(self._health_changed)

    def _health_changed(self, health: LinkHealthStatus) -> None:
        if health.reachable_again:
            self.outbox.wake()  # the backend is back: deliver now, not when the backoff runs out
        self._status(self.outbox.status())

    def _status(self, status: OutboxStatus) -> None:
        if self._listener is not None:
            online, detail = link_summary(status, self.health.status() if self.health else None)
            self._listener(LinkStatus(online=online, queued=status.queued, dead_letters=status.dead,
                                      detail=detail))

    def _delivered(self, delivery: Delivery) -> None:
        # Only a work order's delivery is news to the desk (its card marks it synced); the status
        # report just before says the rest. Two link reports fewer a ring cycle (its state writes).
        if self._listener is not None and delivery.item.kind == TICKET_KIND:
            status = self.outbox.status()
            online = self.health is None or self.health.online is True
            self._listener(LinkStatus(online=online, queued=status.queued, dead_letters=status.dead,
                                      delivered=delivery.item.idempotency_key))

    def submit_ticket(self, ticket: TicketCreate) -> str:
        """Queue `POST /v1/tickets`."""
        item = self.outbox.enqueue_sync("POST", "/v1/tickets", _model_json(ticket), TICKET_KIND)
        return item.idempotency_key

    def record_call(self, record: CallRecord) -> str:
        """Queue `POST /v1/calls` (the same call id posted again updates the record).

        A record carrying the agent's wrap-up is fsynced before this returns (saving it is
        acknowledged to the agent); the record of a call as the phone saw it is committed, and
        fsynced a few ms later off this thread (`Outbox.enqueue_sync`).
        """
        return self.outbox.enqueue_sync("POST", "/v1/calls", _model_json(record), "call",
                                        durable=_has_wrapup(record)).idempotency_key

    def set_state(self, username: str, change: AgentStateChange) -> str:
        """Queue `PUT /v1/agents/{username}/state`: committed when this returns, fsynced a few ms
        later off this thread (the desk's own bookkeeping, nothing the agent is told was saved)."""
        return self.outbox.enqueue_sync("PUT", f"/v1/agents/{username}/state", _model_json(change),
                                        "agent_state", durable=False).idempotency_key

    def upload_recording(self, call_id: str, path: Path, *, training: bool = False) -> str:
        """Queue `PUT /v1/recordings/{call_id}` with the WAV at `path` streamed as the body when sent."""
        target = f"/v1/recordings/{quote(call_id, safe='')}" + ("?training=true" if training else "")
        return self.outbox.enqueue_file_sync("PUT", target, path, "audio/wav", "recording").idempotency_key

    def close_callback(self, callback_id: str, *, reached: bool = True, note: str = "") -> str:
        """Queue `POST /v1/callbacks/{id}/done` (closing it again is harmless)."""
        body = _model_json(CallbackDone(reached=reached, note=note[:200]))
        return self.outbox.enqueue_sync("POST", f"/v1/callbacks/{int(callback_id)}/done", body,
                                        "callback_done").idempotency_key

    def set_status_listener(self, listener: LinkListener | None) -> None:
        """Where link status goes (called on the App's loop); told the current one at once."""
        self._listener = listener
        if listener is not None and self.health is not None:
            self._status(self.outbox.status())  # nothing heard yet is offline, never "Online"


class LiveStream:
    """`LiveEvents` over the SSE `EventStream`, iterated by a task on the App's loop."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client
        self._listener: Callable[[Any], None] | None = None
        self._stream: EventStream | None = None
        self._task: asyncio.Task[None] | None = None

    def set_listener(self, listener: Callable[[Any], None] | None) -> None:
        """Where events go."""
        self._listener = listener

    def start(self) -> None:
        """Start streaming (call on the running loop, after login)."""
        self._stream = EventStream(self._client)
        self._task = asyncio.get_running_loop().create_task(self._pump(self._stream))

    async def _pump(self, stream: EventStream) -> None:
        try:
            async for event in stream:
                if self._listener is not None:
                    self._listener(event)
        except Exception:  # the desk works without live events; the log says why
            log.exception("live event stream ended")

    async def stop(self) -> None:
        """Close the stream."""
        if self._stream is not None:
            self._stream.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
