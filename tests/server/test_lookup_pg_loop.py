"""PostgreSQL lookups on the event loop (agent_tui/server/lookup_pg_loop.py): the threaded path's answer
to the byte, connections reused and bounded, a killed or cancelled connection replaced."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from agent_tui.domain.base import utc_now
from agent_tui.domain.sla import SlaLimits
from agent_tui.server import lookup_pg_loop
from agent_tui.server.db import Database
from agent_tui.server.lookup import Lookup
from agent_tui.server.phones import phone_key
from tests.server.conftest import make_client
from tests.server.test_lookup import add_edge_cases, phones_and_accounts
from tests.support.waiting import wait_for

# The prepared statement's text, as pg_stat_activity shows it for the lookup's connections.
LOOKUP_BACKENDS = ("FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                   "AND query LIKE 'WITH m AS %%'")


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[tuple[Database, Database]]:
    """The demo data and the edge cases on PostgreSQL; a database for the lookup and one to watch it."""
    with make_client(pg_url):
        pass  # migrated and seeded
    db, admin = Database(pg_url), Database(pg_url)
    try:
        add_edge_cases(db)
        yield db, admin
    finally:
        db.dispose()
        admin.dispose()


def backends(admin: Database, terminate: bool = False) -> int:
    """How many of the lookup's connections the server has (terminated first when asked)."""
    what = "count(pg_terminate_backend(pid))" if terminate else "count(*)"
    with admin.engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT {what} {LOOKUP_BACKENDS}").scalar_one())


def gone(admin: Database) -> None:
    """Wait until the server has ended every lookup connection (a closed one's backend exits soon after)."""
    wait_for(lambda: backends(admin) == 0, timeout=10, message="the lookup's connections ended")


def test_the_loop_answers_as_the_threaded_path_for_every_phone_and_account(
    pg_db: tuple[Database, Database],
) -> None:
    db, admin = pg_db
    lookup = Lookup(db, SlaLimits())
    phones, accounts = phones_and_accounts(db)
    keys = [phone_key(p) for p in [*phones, "19999999999"]]
    accounts = [*accounts, "000000"]
    now = utc_now()
    on_loop = lookup._on_loop
    assert on_loop is not None
    fetched: list[bool] = []
    real_fetch = on_loop.fetch

    async def fetch(*args: object) -> object:
        values = await real_fetch(*args)  # type: ignore[arg-type]
        fetched.append(values is not None)
        return values

    on_loop.fetch = fetch  # type: ignore[method-assign, assignment]

    async def all_at_once() -> tuple[list[str], list[str]]:
        # More lookups in flight than connections: the rest wait their turn.
        by_phone = await asyncio.gather(*(lookup.answer(now, key=k) for k in keys))
        by_account = await asyncio.gather(*(lookup.answer(now, account=a) for a in accounts))
        assert backends(admin) == lookup_pg_loop.LOOP_CONNECTIONS, "bounded, and kept for the next"
        return [r.model_dump_json() for r in by_phone], [r.model_dump_json() for r in by_account]

    loop_phones, loop_accounts = asyncio.run(all_at_once())
    assert len(keys) > lookup_pg_loop.LOOP_CONNECTIONS
    assert fetched
    assert all(fetched), "every answer came from the loop's connections"
    assert loop_phones == [lookup.by_phone(k, now).model_dump_json() for k in keys]
    assert loop_accounts == [lookup.by_account(a, now).model_dump_json() for a in accounts]
    assert any('"open_tickets":[{' in a for a in loop_phones)
    assert any('"notices":[{' in a for a in loop_phones)
    db.engine.dispose()  # closes the loop's connections
    gone(admin)


def test_a_killed_or_cancelled_connection_is_replaced(pg_db: tuple[Database, Database]) -> None:
    db, admin = pg_db
    lookup = Lookup(db, SlaLimits())
    key = phone_key(phones_and_accounts(db)[0][0])
    now = utc_now()
    expected = lookup.by_phone(key, now).model_dump_json()

    async def scenario() -> None:
        assert (await lookup.answer(now, key=key)).model_dump_json() == expected
        assert backends(admin, terminate=True) >= 1  # the loop's and the threaded path's
        # The server closed it under the idle connection: the lookup retries once on a new one.
        assert (await lookup.answer(now, key=key)).model_dump_json() == expected
        wait_for(lambda: backends(admin) == 1, timeout=10, message="one new connection, the killed ones gone")
        # A lookup cancelled while its statement is in flight drops that connection.
        on_loop = lookup._on_loop
        assert on_loop is not None
        kept = on_loop._count
        task = asyncio.ensure_future(lookup.answer(now, key=key))
        await asyncio.sleep(0)  # let it send (a loop turn, not a wait for time)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert on_loop._count == kept - 1, "its connection dropped, the answer still coming on it"
        assert (await lookup.answer(now, key=key)).model_dump_json() == expected
        answers = await asyncio.gather(*(lookup.answer(now, key=key) for _ in range(12)))
        assert {a.model_dump_json() for a in answers} == {expected}

    asyncio.run(scenario())
    wait_for(lambda: backends(admin) <= lookup_pg_loop.LOOP_CONNECTIONS, timeout=10,
             message="the cancelled lookup's connection ended")
    lookup.close()
    gone(admin)
