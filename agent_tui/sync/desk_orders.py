"""The backend's after-call routes as the desk uses them: find an order, read its timeline, return visits.

(`agent_tui.sync.orders` is the monitor's: alerts, timelines and the complaint loop for supervisors.)

Kept out of `BackendClient` (already the whole contract's home) as a thin typed layer over its
`get_json`/`write_json`: each method is one route, validated against the domain models, so a wrong
shape is a `BackendProtocolError` and a refusal a `BackendRejected` naming the status.
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import TypeAdapter, ValidationError

from agent_tui.domain.base import Page
from agent_tui.domain.escalation import OrderTimeline
from agent_tui.domain.return_visits import ReturnVisitAttempt, ReturnVisitItem
from agent_tui.domain.ticket import ReturnVisit, Ticket
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendProtocolError

T = TypeVar("T")

SEARCH_LIMIT = 20
"""Matches a status query lists at most (a phone with more orders than this is narrowed by number)."""


def _fit(adapter: TypeAdapter[T], data: Any, what: str) -> T:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise BackendProtocolError(f"{what}: the backend's answer does not fit the contract "
                                   f"({exc.error_count()} errors)") from exc


class BackendOrders:
    """Order search, timelines, alerts and return visits over one logged-in `BackendClient`."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    async def find_orders(self, *, number: str | None = None, phone: str | None = None,
                          account: str | None = None) -> list[Ticket]:
        """`GET /v1/tickets` by number, phone or account (each when given), newest first."""
        params: dict[str, str | int] = {"limit": SEARCH_LIMIT}
        for name, value in (("number", number), ("phone", phone), ("account", account)):
            if value:
                params[name] = value
        data = await self.client.get_json("/v1/tickets", params)
        return _fit(TypeAdapter(Page[Ticket]), data, "order search").items

    async def timeline(self, number: str) -> OrderTimeline:
        """`GET /v1/orders/{number}/timeline`: A–H, SLA marks as of now, alerts."""
        data = await self.client.get_json(f"/v1/orders/{quote(number, safe='')}/timeline")
        return _fit(TypeAdapter(OrderTimeline), data, "order timeline")

    async def return_visits(self) -> list[ReturnVisitItem]:
        """`GET /v1/return-visits?due_only=true`: visits due now, the one due first on top."""
        data = await self.client.get_json("/v1/return-visits", {"due_only": "true", "limit": 100})
        return _fit(TypeAdapter(Page[ReturnVisitItem]), data, "return visits").items

    async def claim_visit(self, visit_id: int) -> ReturnVisitItem:
        """`POST /v1/return-visits/{id}/claim` (409: another agent has it)."""
        data = await self.client.write_json("POST", f"/v1/return-visits/{int(visit_id)}/claim")
        return _fit(TypeAdapter(ReturnVisitItem), data, "claim return visit")

    async def visit_unreachable(self, visit_id: int, note: str) -> ReturnVisitItem:
        """`POST /v1/return-visits/{id}/attempts`: the customer was not reached."""
        body = ReturnVisitAttempt(note=note).model_dump(mode="json")
        data = await self.client.write_json("POST", f"/v1/return-visits/{int(visit_id)}/attempts", body)
        return _fit(TypeAdapter(ReturnVisitItem), data, "return visit attempt")

    async def visit_result(self, visit_id: int, result: ReturnVisit) -> ReturnVisitItem:
        """`POST /v1/return-visits/{id}/result`: closes the order, or reopens it when not resolved."""
        body = result.model_dump(mode="json", exclude_none=True)
        data = await self.client.write_json("POST", f"/v1/return-visits/{int(visit_id)}/result", body)
        return _fit(TypeAdapter(ReturnVisitItem), data, "return visit result")
