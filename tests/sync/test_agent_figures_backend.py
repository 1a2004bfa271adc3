"""A desk that restarts gets its figures for today back from the REAL backend (`agent-tui server` on
SQLite and on PostgreSQL) through `BackendClient.get_agent_figures`; an agent sees only their own."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent_tui.domain.call import CallRecord
from agent_tui.domain.figures import HandlingSums, talk_seconds
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendRejected
from tests.server.conftest import db_url, pg_server, pg_url, sqlite_url
from tests.server.process import ServerProcess
from tests.server.test_supervision import midday_zone

__all__ = ["db_url", "pg_server", "pg_url", "sqlite_url"]  # the fixtures, used by name below


@pytest.fixture
def backend(db_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(db_url, tmp_path, settings={"timezone": midday_zone()})
    try:
        server.start()
        yield server
    finally:
        server.stop()


async def test_a_restarted_desk_gets_todays_figures_back(backend: ServerProcess) -> None:
    first = BackendClient(backend.base)
    try:
        await first.login("agent13", SecretStr("demo"))
        before = (await first.get_agent_figures("agent13")).today
        now = datetime.now(UTC)
        desk = HandlingSums.from_figures(before)
        calls = ((12.0, 4.0, 6.0, True), (30.0, 0.0, 10.0, False))
        for index, (length, hold, acw, resolved) in enumerate(calls):
            answered = now - timedelta(seconds=200 - index * 60)
            ended = answered + timedelta(seconds=length)
            talk = talk_seconds(answered, ended, hold)
            await first.post_call(CallRecord(
                call_id=f"restart-{index}", agent="agent13", queue="q-restart", offered_at=answered,
                answered_at=answered, ended_at=ended, talk_s=talk, hold_s=hold, acw_s=acw,
                first_call_resolved=resolved))
            desk.add(talk, hold, acw, resolved)
    finally:
        await first.aclose()

    again = BackendClient(backend.base)  # the desk after a restart: nothing in memory
    try:
        await again.login("agent13", SecretStr("demo"))
        figures = await again.get_agent_figures("agent13")
        today = figures.today
        assert figures.username == "agent13"
        assert today.calls_handled == desk.calls == before.calls_handled + 2
        assert (today.resolved, today.judged) == (desk.resolved, desk.judged)
        assert today.aht_s == pytest.approx(desk.aht_s)
        assert today.fcr == pytest.approx(desk.fcr)
        # What the restarted desk goes on adding to.
        assert asdict(HandlingSums.from_figures(today)) == pytest.approx(asdict(desk))
        with pytest.raises(BackendRejected) as refused:
            await again.get_agent_figures("agent14")
        assert refused.value.status == 403
    finally:
        await again.aclose()
