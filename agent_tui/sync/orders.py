"""The orders the supervisor watches: escalations, an order's timeline, and the complaint loop's steps."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from pydantic import TypeAdapter, ValidationError

from agent_tui.domain.base import Page
from agent_tui.domain.complaints import ComplaintStep, ComplaintStepBody
from agent_tui.domain.escalation import OrderAlert, OrderTimeline
from agent_tui.domain.ticket import FLOWS, Ticket, TicketStatus, TicketType
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendProtocolError

T = TypeVar("T")
OPEN = tuple(s for s in (*FLOWS[TicketType.COMPLAINT], TicketStatus.RECALLED) if s != TicketStatus.CLOSED)
"""The statuses of a complaint not yet closed or cancelled."""


def _check(adapter: TypeAdapter[T], data: Any, what: str) -> T:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise BackendProtocolError(f"{what}: the backend's answer does not fit the contract "
                                   f"({exc.error_count()} errors)") from exc


class OrdersClient:
    """Typed calls of `/v1/order-alerts`, `/v1/orders/{number}/timeline` and `/v1/complaints` over a
    logged-in `BackendClient`."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"OrdersClient({self.client!r})"

    async def open_alerts(self, *, limit: int = 500) -> list[OrderAlert]:
        """Alerts of orders still open, newest first."""
        data = await self.client.get_json("/v1/order-alerts", {"open": "true", "limit": limit})
        return _check(TypeAdapter(Page[OrderAlert]), data, "order alerts").items

    async def timeline(self, number: str) -> OrderTimeline:
        """An order's time points, SLA marks and alerts."""
        data = await self.client.get_json(f"/v1/orders/{quote(number, safe='')}/timeline")
        return _check(TypeAdapter(OrderTimeline), data, "order timeline")

    async def open_complaints(self, *, limit: int = 500) -> list[Ticket]:
        """Complaints not closed or cancelled, newest first."""
        # `status` repeats (one per open status): the query string is built here, not from a mapping.
        query = urlencode([("type", "complaint"), ("limit", limit), *(("status", s.value) for s in OPEN)])
        data = await self.client.get_json(f"/v1/tickets?{query}")
        return _check(TypeAdapter(Page[Ticket]), data, "complaints").items

    async def complaint_step(self, number: str, step: ComplaintStep, body: ComplaintStepBody) -> Ticket:
        """One step of the complaint loop (the key makes a retried request harmless)."""
        data = await self.client.write_json(
            "POST", f"/v1/complaints/{quote(number, safe='')}/{step.value}",
            body.model_dump(mode="json", exclude_none=True), idempotency_key=uuid.uuid4().hex)
        return _check(TypeAdapter(Ticket), data, "complaint step")
