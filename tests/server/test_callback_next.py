"""`POST /v1/callbacks/next`, release and reschedule, on SQLite and PostgreSQL; desks racing for the next
callback each get a different one."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from itertools import count

from fastapi.testclient import TestClient
from sqlalchemy import select

from agent_tui.domain.base import utc_now
from agent_tui.server import callback_store
from agent_tui.server.db import Database
from agent_tui.server.models import CallbackRow
from tests.server.conftest import login, make_client

_numbers = count(1)


def add(db: Database, queue: str, *, minutes_ago: int = 10, due_in_min: int | None = None) -> int:
    """An open callback in `queue` that has waited `minutes_ago`."""
    now = utc_now()
    with db.write() as session:
        row = CallbackRow(number=f"1360000{next(_numbers):04d}", customer_id=None, queue=queue,
                          queued_at=now - timedelta(minutes=minutes_ago), reason="all_busy", status="open",
                          claimed_by=None, claimed_at=None, done_at=None, call_id=None, voicemail=None,
                          note="", due_at=None if due_in_min is None else now + timedelta(minutes=due_in_min))
        session.add(row)
        session.flush()
        return int(row.id)


def test_next_release_and_reschedule(any_client: TestClient) -> None:
    db: Database = any_client.app.state.db  # type: ignore[attr-defined]
    app, a1, a2 = any_client, login(any_client, "agent01"), login(any_client, "agent02")
    later = add(db, "q-next", minutes_ago=60, due_in_min=30)  # oldest, but not due yet
    old, new = add(db, "q-next", minutes_ago=20), add(db, "q-next", minutes_ago=5)
    add(db, "q-other", minutes_ago=90)
    ask = {"queues": ["q-next"]}

    first = app.post("/v1/callbacks/next", json=ask, headers=a1)
    assert first.status_code == 200, first.text
    got = first.json()
    assert (got["id"], got["claimed_by"], got["status"]) == (old, "agent01", "claimed")
    again = app.post("/v1/callbacks/next", json=ask, headers=a1)  # the one it holds comes first
    assert again.json()["id"] == old
    assert app.post("/v1/callbacks/next", json=ask, headers=a2).json()["id"] == new
    assert app.post("/v1/callbacks/next", json=ask, headers=a2).json()["id"] == new
    assert app.post("/v1/callbacks/next", json={"queues": ["q-next"], "skip": [new]},
                    headers=a2).status_code == 204

    # Another agent cannot give back or reschedule agent01's callback.
    assert app.post(f"/v1/callbacks/{old}/release", json={"reason": "x"}, headers=a2).status_code == 409
    released = app.post(f"/v1/callbacks/{old}/release", json={"reason": "inbound call"}, headers=a1).json()
    assert (released["status"], released["claimed_by"]) == ("open", None)
    assert "inbound call" in released["note"]
    assert app.post("/v1/callbacks/next", json={**ask, "skip": [new]}, headers=a2).json()["id"] == old

    due = (utc_now() + timedelta(hours=2)).isoformat()
    moved = app.post(f"/v1/callbacks/{old}/reschedule", json={"due_at": due, "note": "after lunch"},
                     headers=a2).json()
    assert (moved["status"], moved["claimed_by"], moved["note"]) == ("open", None, "after lunch")
    assert moved["due_at"] is not None
    assert app.post("/v1/callbacks/next", json={**ask, "skip": [new]}, headers=a1).status_code == 204
    with db.read() as session:
        assert session.get(CallbackRow, later).status == "open"  # type: ignore[union-attr]


def test_desks_racing_for_the_next_callback_each_get_their_own(db_url: str) -> None:
    """Four desks on four engines (as four server workers would be) take 24 callbacks at once."""
    with make_client(db_url):
        pass  # the schema and the demo users
    setup = Database(db_url)
    ids = {add(setup, "q-race", minutes_ago=100 - n) for n in range(24)}
    desks = [f"agent0{n}" for n in range(1, 5)]
    taken: dict[str, list[int]] = {name: [] for name in desks}
    errors: list[BaseException] = []
    start = threading.Barrier(len(desks))

    def desk(name: str) -> None:
        db = Database(db_url, pool_size=1)
        try:
            start.wait(timeout=30)
            while True:
                with db.write() as session:
                    row = callback_store.claim_next(session, name, utc_now(), queues=["q-race"],
                                                    skip=taken[name])
                    if row is None:
                        return
                    taken[name].append(int(row.id))  # skip it: the desk asks for another at once
        except BaseException as error:  # reported below: a thread's failure must fail the test
            errors.append(error)
        finally:
            db.dispose()

    threads = [threading.Thread(target=desk, args=(name,)) for name in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    setup.dispose()
    assert not errors, errors
    counts = Counter(i for got in taken.values() for i in got)
    assert set(counts) == ids
    assert all(n == 1 for n in counts.values()), "a callback was claimed by two desks"
    check = Database(db_url)
    with check.read() as session:
        rows = session.execute(select(CallbackRow).where(CallbackRow.queue == "q-race")).scalars()
        holders = {row.id: row.claimed_by for row in rows}
    check.dispose()
    assert holders == {i: name for name, got in taken.items() for i in got}
