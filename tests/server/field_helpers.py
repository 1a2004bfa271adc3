"""Helpers of the field-API and escalation tests: a real server on each backend, orders walked by HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from agent_tui.domain.base import utc_now
from agent_tui.server.db import Database
from agent_tui.server.models import TimelineRow
from tests.server.pg import PgServer
from tests.server.process import ServerProcess

REPAIR = {"ticket_type": "repair", "customer_id": 1, "subject": "整栋楼停电"}


def backend_url(kind: str, workdir: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database of `kind` (sqlite or postgresql), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'server.db'}"
        return
    pg: PgServer = request.getfixturevalue("pg_server")
    name = pg.create_database()
    try:
        yield pg.url(name)
    finally:
        pg.drop_database(name)


def file_order(server: ServerProcess, agent: dict[str, str], issuer: dict[str, str] | None = None,
               **extra: Any) -> dict[str, Any]:
    """A repair order filed by the agent and issued (B) by the hotline (the agent, or `issuer`)."""
    response = httpx.post(f"{server.base}/v1/tickets", json=REPAIR | extra, headers=agent)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    issued = httpx.patch(f"{server.base}/v1/tickets/{order['id']}", json={"status": "issued"},
                         headers=issuer or agent)
    assert issued.status_code == 200, issued.text
    result: dict[str, Any] = issued.json()
    return result


def step(server: ServerProcess, field: dict[str, str], number: str, name: str, *,
         expect: int = 200, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
    """Report one field step; answers the body (the order, or the problem)."""
    response = httpx.post(f"{server.base}/v1/field/orders/{number}/{name}", json=body,
                          headers=field | (headers or {}))
    assert response.status_code == expect, (name, response.text)
    if expect >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    answer: dict[str, Any] = response.json()
    return answer


def order(server: ServerProcess, headers: dict[str, str], number: str) -> dict[str, Any]:
    """The order as the field API shows it."""
    response = httpx.get(f"{server.base}/v1/field/orders/{number}", headers=headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def iso(at: datetime) -> str:
    """A time as the field API takes it."""
    return at.isoformat()


def backdate(url: str, ticket_id: int, seconds_ago: dict[str, float]) -> None:
    """Move statuses of the order's timeline to so many seconds ago, as if it had been worked then."""
    db = Database(url)
    try:
        now = utc_now()
        with db.write() as session:
            query = select(TimelineRow).where(TimelineRow.ticket_id == ticket_id)
            for row in session.execute(query).scalars():
                if row.status in seconds_ago:
                    row.at = now - timedelta(seconds=seconds_ago[row.status])
    finally:
        db.dispose()
