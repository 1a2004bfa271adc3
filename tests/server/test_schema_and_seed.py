"""Migrations build exactly the tables the models describe; the demo seed is complete and loads once."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from agent_tui.domain.ticket import FLOWS, TicketStatus
from agent_tui.server import migrate
from agent_tui.server.db import Database
from agent_tui.server.models import Base, CustomerRow, KbArticleRow, NoticeRow, TicketRow, UserRow
from agent_tui.server.seed.demo import DEMO_USERS, seed_demo


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate.upgrade(db)
        migrate.upgrade(db)  # a second start finds nothing to do
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == []
    finally:
        db.dispose()


def test_demo_seed_is_complete_and_loads_only_into_an_empty_database(db_url: str) -> None:
    db = Database(db_url)
    try:
        migrate.upgrade(db)
        assert seed_demo(db) is True
        assert seed_demo(db) is False
        with db.read() as session:

            def count(model: type[Base]) -> int:
                return int(session.execute(select(func.count()).select_from(model)).scalar_one())

            assert count(CustomerRow) >= 200
            assert count(NoticeRow) >= 5
            users = {u.username: u for u in session.execute(select(UserRow)).scalars()}
            names = [c.name for c in session.execute(select(CustomerRow)).scalars()]
            statuses = set(session.execute(select(TicketRow.status)).scalars())
            languages = list(session.execute(select(KbArticleRow.language)).scalars())
            phones = [p for c in session.execute(select(CustomerRow.phones)).scalars() for p in c]
        assert set(users) == {name for name, *_ in DEMO_USERS}
        assert [users[f"agent{i:02d}"].extension for i in range(1, 21)] == [
            str(1000 + i) for i in range(1, 21)
        ]
        assert (users["sup01"].role, users["trainer01"].role) == ("supervisor", "trainer")
        assert any(all(ord(ch) < 128 for ch in n) for n in names)
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names)
        every = {s for flow in FLOWS.values() for s in flow} | {TicketStatus.RECALLED, TicketStatus.CANCELLED}
        assert statuses == {s.value for s in every}
        assert len(languages) >= 30
        assert languages.count("zh") >= 15
        assert languages.count("en") >= 15
        assert len(phones) == len(set(phones))
    finally:
        db.dispose()
