"""The screen-pop lookup answers exactly what the ORM implementation it replaced answered.

`reference_answer` below is the lookup as it was before `agent_tui/server/lookup.py` (ORM session,
one statement per part): the new hot path must give the same JSON, byte for byte, for every phone and
account of the demo data plus a few edge cases (a phone shared by two customers, more contacts than
the pop shows with equal timestamps, a training ticket, ended and open-ended notices), on SQLite and
on PostgreSQL, both called directly and through the HTTP route.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from agent_tui.domain.base import utc_now
from agent_tui.domain.customer import LookupMatch, LookupResult
from agent_tui.domain.sla import SlaLimits
from agent_tui.domain.ticket import TicketStatus
from agent_tui.server import convert
from agent_tui.server.db import Database
from agent_tui.server.lookup import Lookup
from agent_tui.server.models import (
    ContactRow,
    CustomerPhoneRow,
    CustomerRow,
    NoticeRow,
    TicketRow,
    TimelineRow,
    UtcDateTime,
)
from agent_tui.server.phones import phone_key
from agent_tui.server.seed.demo import insert_customers
from agent_tui.server.seed.people import customer_rows
from agent_tui.server.store import load_tickets
from tests.server.conftest import login, make_client

# --- the lookup before the hot path, kept as the reference -------------------------------------------

CLOSED = (TicketStatus.CLOSED.value, TicketStatus.CANCELLED.value)
_BY_PHONE = (
    select(CustomerRow)
    .where(CustomerRow.id.in_(
        select(CustomerPhoneRow.customer_id).where(CustomerPhoneRow.phone_key == bindparam("key"))
    ))
    .order_by(CustomerRow.id)
    .limit(10)
)
_BY_ACCOUNT = select(CustomerRow).where(CustomerRow.account == bindparam("account"))
_OPEN_TICKETS = (
    select(TicketRow)
    .where(TicketRow.customer_id.in_(bindparam("ids", expanding=True)), TicketRow.status.not_in(CLOSED),
           TicketRow.training.is_(False))
    .order_by(TicketRow.id.desc())
    .limit(50)
)
_NOTICES = (
    select(NoticeRow)
    .where(NoticeRow.area.in_(bindparam("areas", expanding=True)),
           or_(NoticeRow.ends_at.is_(None), NoticeRow.ends_at > bindparam("now", type_=UtcDateTime())))
    .order_by(NoticeRow.starts_at)
)
_HISTORY = (
    select(ContactRow)
    .where(ContactRow.customer_id == bindparam("customer_id"))
    .order_by(ContactRow.at.desc(), ContactRow.id.desc())
    .limit(5)
)


def _matches(session: Session, customers: Sequence[CustomerRow], now: datetime) -> list[LookupMatch]:
    if not customers:
        return []
    ids = [c.id for c in customers]
    tickets = session.execute(_OPEN_TICKETS, {"ids": ids}).scalars().all()
    loaded = load_tickets(session, tickets, now, SlaLimits())
    areas = sorted({c.area for c in customers if c.area})
    notices = session.execute(_NOTICES, {"areas": areas, "now": now}).scalars().all() if areas else []
    matches = []
    for row in customers:
        history = [convert.contact(c) for c in session.execute(_HISTORY, {"customer_id": row.id}).scalars()]
        matches.append(
            LookupMatch(
                customer=convert.customer(row),
                last_case=history[0] if history else None,
                open_tickets=[t for t in loaded if t.customer_id == row.id],
                notices=[convert.notice(n) for n in notices if n.area == row.area],
                history=history,
            )
        )
    return matches


def reference_answer(
    db: Database, now: datetime, *, key: str | None = None, account: str | None = None
) -> str:
    """The JSON the lookup route answered before the hot path."""
    with db.read() as session:
        if key is not None:
            customers = session.execute(_BY_PHONE, {"key": key}).scalars().all()
        else:
            customers = session.execute(_BY_ACCOUNT, {"account": account}).scalars().all()
        return LookupResult(matches=_matches(session, customers, now)).model_dump_json()


# --- data ----------------------------------------------------------------------------------------------


def add_edge_cases(db: Database) -> None:
    """A customer sharing customer 1's phone, with 7 contacts (two timestamp ties), an open ticket with a
    note, a cancelled one, a training ticket, and notices in its own area (one open-ended, one ended)."""
    now = utc_now()
    with db.read() as session:
        first = session.execute(select(CustomerRow).where(CustomerRow.id == 1)).scalar_one()
        shared_phone = first.phones[0]
    row = customer_rows(1, random.Random(5), now, first_index=90_001)[0]
    row.update(phones=[shared_phone, "0571-8123 4567"], area="Edge Town", name="  Edge Case Ltd  ")
    with db.write() as session:
        [cid] = insert_customers(session, [row])
        tie = now - timedelta(hours=3)
        for at in (tie, tie, now - timedelta(days=2), now - timedelta(hours=1), tie - timedelta(days=9),
                   now - timedelta(minutes=5), now - timedelta(minutes=5)):
            session.add(ContactRow(customer_id=cid, at=at, channel="phone", agent="agent02", call_id=None,
                                   ticket_id=None, summary="edge 边缘", outcome="resolved", recording=None))
        for status, training in (("received", False), ("cancelled", False), ("created", True)):
            ticket = TicketRow(
                number=f"EDGE-{status}-{training}", ticket_type="repair", status=status, customer_id=cid,
                call_id=None, screen_id="repair", subject="edge", description="", fields={"x": 1.5},
                priority=2, training=training, created_by="agent02", assignee=None,
                created_at=now - timedelta(hours=2), updated_at=now - timedelta(hours=1), return_visit=None,
            )
            session.add(ticket)
            session.flush()
            for i, step in enumerate(("created", "issued", status)):
                session.add(TimelineRow(ticket_id=ticket.id, status=step, at=now - timedelta(hours=2 - i / 2),
                                        by="agent02", note="note" if i == 1 else ""))
        for title, starts, ends in (("open-ended", now - timedelta(hours=1), None),
                                    ("ended", now - timedelta(days=1), now - timedelta(hours=5)),
                                    ("later", now + timedelta(days=1), now + timedelta(days=1, hours=2))):
            session.add(NoticeRow(area="Edge Town", kind="fault", title=title, detail="", starts_at=starts,
                                  ends_at=ends))


@pytest.fixture
def seeded(db_url: str) -> Iterator[tuple[TestClient, Database]]:
    """An app on the demo data plus the edge cases, and a database handle of its own."""
    with make_client(db_url) as client:
        db = Database(db_url)
        try:
            add_edge_cases(db)
            yield client, db
        finally:
            db.dispose()


def phones_and_accounts(db: Database) -> tuple[list[str], list[str]]:
    with db.read() as session:
        rows = session.execute(select(CustomerRow.phones, CustomerRow.account).order_by(CustomerRow.id)).all()
    return [p for phones, _ in rows for p in phones], [account for _, account in rows]


# --- tests ---------------------------------------------------------------------------------------------


def test_lookup_equals_the_orm_reference_for_every_phone_and_account(
    seeded: tuple[TestClient, Database],
) -> None:
    _client, db = seeded
    lookup = Lookup(db, SlaLimits())
    phones, accounts = phones_and_accounts(db)
    now = utc_now()
    answers = []
    for phone in [*phones, "19999999999"]:
        key = phone_key(phone)
        answer = lookup.by_phone(key, now).model_dump_json()
        assert answer == reference_answer(db, now, key=key), phone
        answers.append(LookupResult.model_validate_json(answer))
    for account in [*accounts, "000000"]:
        assert lookup.by_account(account, now).model_dump_json() == reference_answer(db, now, account=account)

    # The data exercised what matters: the comparisons above would be vacuous otherwise.
    matches = [m for a in answers for m in a.matches]
    assert any(len(a.matches) >= 2 for a in answers), "a phone shared by two customers"
    assert any(m.open_tickets for m in matches)
    assert any(m.notices for m in matches)
    assert any(len(m.history) == 5 and m.last_case == m.history[0] for m in matches)
    assert not any(t.training for m in matches for t in m.open_tickets)
    edge = next(m for m in matches if m.customer.area == "Edge Town")
    assert edge.customer.name == "Edge Case Ltd"
    assert [t.status.value for t in edge.open_tickets] == ["received"]
    assert [n.title for n in edge.notices] == ["open-ended", "later"]
    assert [h.at for h in edge.history] == sorted((h.at for h in edge.history), reverse=True)


def test_lookup_route_serves_the_reference_bytes(seeded: tuple[TestClient, Database]) -> None:
    client, db = seeded
    headers = login(client, "agent01")
    phones, accounts = phones_and_accounts(db)
    shared = phones[0]
    # The numbers as a caller ID presents them, and as typed; the shared one has two matches.
    asked = [shared, f"+86 {shared[:3]} {shared[3:7]} {shared[7:]}", *phones[1:40:3], "0571-8123 4567"]
    for phone in asked:
        before = reference_answer(db, utc_now(), key=phone_key(phone))
        response = client.get("/v1/customers/lookup", params={"phone": phone}, headers=headers)
        after = reference_answer(db, utc_now(), key=phone_key(phone))
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        # SLA flags are judged as of the request: equal to the answer just before or just after it.
        assert response.content.decode() in (before, after), phone
    for account in accounts[:10]:
        response = client.get("/v1/customers/lookup", params={"account": account}, headers=headers)
        assert response.content.decode() == reference_answer(db, utc_now(), account=account)
    assert len(LookupResult.model_validate_json(
        client.get("/v1/customers/lookup", params={"phone": shared}, headers=headers).content).matches) == 2


def test_postgresql_lookup_survives_its_connection_being_killed(pg_url: str) -> None:
    with make_client(pg_url):
        pass  # migrated and seeded
    db = Database(pg_url)
    admin = Database(pg_url)

    def kill_lookup_backends() -> int:
        """Terminate the backends whose last statement was the lookup's; answer how many."""
        with admin.engine.connect() as conn:
            return int(conn.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'WITH m AS %%'"
            ).scalar_one())

    try:
        lookup = Lookup(db, SlaLimits())
        key = phone_key(phones_and_accounts(db)[0][0])
        now = utc_now()
        expected = reference_answer(db, now, key=key)
        assert lookup.by_phone(key, now).model_dump_json() == expected
        db.engine.dispose()
        assert kill_lookup_backends() == 0, "disposing the engine closes the lookup's own connections"
        assert lookup.by_phone(key, now).model_dump_json() == expected  # on a new connection of its own
        assert kill_lookup_backends() == 1
        assert lookup.by_phone(key, now).model_dump_json() == expected  # the broken one replaced
    finally:
        db.dispose()
        admin.dispose()
