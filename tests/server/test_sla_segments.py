"""SLA segments on SQLite and PostgreSQL: a segment the order did not take is never breached, and the
limits come from the server's settings."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from agent_tui.domain.base import utc_now
from agent_tui.domain.sla import SlaLimits
from agent_tui.domain.ticket import SlaDeadline, Ticket
from agent_tui.server.db import Database
from agent_tui.server.models import TimelineRow
from tests.server.conftest import login, make_client

BODY = {"ticket_type": "repair", "customer_id": 1, "subject": "单户停电"}


def _move(client: TestClient, headers: dict[str, str], ticket_id: int, *statuses: str) -> Ticket:
    ticket: Ticket | None = None
    for status in statuses:
        response = client.patch(f"/v1/tickets/{ticket_id}", json={"status": status}, headers=headers)
        assert response.status_code == 200, response.text
        ticket = Ticket.model_validate(response.json())
    assert ticket is not None
    return ticket


def _backdate(url: str, ticket_id: int, minutes: dict[str, int]) -> None:
    """Move each status of the ticket's timeline to `minutes` ago, as if the order had been worked then."""
    db = Database(url)
    try:
        now = utc_now()
        with db.write() as session:
            query = select(TimelineRow).where(TimelineRow.ticket_id == ticket_id)
            for row in session.execute(query).scalars():
                row.at = now - timedelta(minutes=minutes[row.status])
    finally:
        db.dispose()


def _segment(ticket: Ticket, name: str) -> SlaDeadline:
    return next(d for d in ticket.deadlines if d.segment == name)


def test_received_then_dispatched_skips_cd_and_never_breaches_it(db_url: str) -> None:
    with make_client(db_url) as client:
        headers = login(client, "agent01")
        ticket_id = client.post("/v1/tickets", json=BODY, headers=headers).json()["id"]
        _move(client, headers, ticket_id, "issued", "received", "dispatched")
        # Received 30 minutes ago, dispatched 25 minutes ago without forwarding: CD (2 min) was not taken.
        _backdate(db_url, ticket_id, {"created": 33, "issued": 32, "received": 30, "dispatched": 1})
        ticket = Ticket.model_validate(client.get(f"/v1/tickets/{ticket_id}", headers=headers).json())
        cd = _segment(ticket, "CD")
        assert cd.skipped
        assert not cd.breached
        assert cd.met_at is None
        # DE never started; BC (issued → received in 2 min) was met in time; the order is still on time
        # for EF (dispatched a minute ago).
        assert not _segment(ticket, "DE").breached
        assert _segment(ticket, "DE").due_at is None
        assert not _segment(ticket, "BC").breached
        assert not _segment(ticket, "EF").breached
        # The same order, received 30 minutes ago and still not moved on, is breached on CD.
        other = client.post("/v1/tickets", json=BODY, headers=headers).json()["id"]
        _move(client, headers, other, "issued", "received")
        _backdate(db_url, other, {"created": 33, "issued": 32, "received": 30})
        waiting = Ticket.model_validate(client.get(f"/v1/tickets/{other}", headers=headers).json())
        assert _segment(waiting, "CD").breached
        assert not _segment(waiting, "CD").skipped
        # Lists answer the same deadlines as the single ticket.
        listed = client.get("/v1/tickets", params={"number": ticket.number}, headers=headers).json()["items"]
        assert Ticket.model_validate(listed[0]).deadlines == ticket.deadlines


def test_limits_come_from_the_settings(db_url: str) -> None:
    limits = SlaLimits(ab=7, cd=9, de_same_site=3, de_other_site=6, on_site=50)
    with make_client(db_url, sla=limits) as client:
        headers = login(client, "agent01")
        ticket = Ticket.model_validate(client.post("/v1/tickets", json=BODY, headers=headers).json())
        ab = _segment(ticket, "AB")
        assert ab.limit_minutes == 7
        assert ab.due_at == ticket.created_at + timedelta(minutes=7)
        assert _segment(ticket, "on_site").limit_minutes == 50
        assert _segment(ticket, "DE").limit_minutes == 6
        same_site = client.post("/v1/tickets", headers=headers,
                                json={**BODY, "fields": {"same_site": True}}).json()
        assert _segment(Ticket.model_validate(same_site), "DE").limit_minutes == 3
        # The screen pop's open tickets are judged by the same limits.
        found = client.get("/v1/customers/lookup", params={"account": client.get(
            "/v1/customers/1", headers=headers).json()["account"]}, headers=headers).json()
        opened = [t for m in found["matches"] for t in m["open_tickets"] if t["id"] == ticket.id]
        assert opened
        assert _segment(Ticket.model_validate(opened[0]), "AB").limit_minutes == 7
