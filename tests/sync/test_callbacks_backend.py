"""Callbacks against the REAL reference backend (`agent-tui server`), through the desk's real adapters:
claim (and a 409 naming the holder for the next agent), then close through the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent_tui.domain.callbacks import CallbackStatus
from agent_tui.sync.callbacks import BackendCallbacks, CallbackTaken
from agent_tui.sync.client import BackendClient
from agent_tui.sync.desk_link import OutboxWrites
from agent_tui.sync.errors import BackendRejected
from tests.sync.test_outbox_e2e import PASSWORD, ServerProcess, until


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[ServerProcess]:
    """The backend with the demo seed (it has open callbacks), killed at the end whatever happened."""
    server = ServerProcess(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def test_claim_conflict_and_close_through_the_outbox(backend: ServerProcess) -> None:
    first, second = BackendClient(backend.url), BackendClient(backend.url)
    writes = OutboxWrites(first)
    try:
        await first.login("agent01", SecretStr(PASSWORD))
        await second.login("agent02", SecretStr(PASSWORD))
        mine, theirs = BackendCallbacks(first), BackendCallbacks(second)
        waiting = [c for c in await mine.list_callbacks() if not c.claimed_by]
        assert waiting, "the demo seed has open callbacks"
        target = waiting[0].id

        await mine.claim_callback(target)
        await mine.claim_callback(target)  # again: harmless
        listed = {c.id: c for c in await theirs.list_callbacks()}
        assert listed[target].claimed_by == "agent01"

        with pytest.raises(CallbackTaken) as taken:
            await theirs.claim_callback(target)
        assert taken.value.holder == "agent01"
        with pytest.raises(BackendRejected) as refused:
            await second.callback_done(int(target))  # not agent02's to close
        assert refused.value.status == 409

        writes.outbox.start()
        writes.close_callback(target)
        await until(lambda: writes.outbox.delivered == 1 and writes.outbox.status().queued == 0)
        assert writes.outbox.status().dead == 0
        assert target not in {c.id for c in await mine.list_callbacks()}
        closed_ones = (await first.get_json("/v1/callbacks", {"status": "done", "limit": 200}))["items"]
        row = next(c for c in closed_ones if str(c["id"]) == target)
        assert (row["status"], row["claimed_by"]) == (CallbackStatus.DONE.value, "agent01")

        with pytest.raises(CallbackTaken) as closed:
            await theirs.claim_callback(target)
        assert closed.value.holder == ""  # done: nobody holds an open one any more
    finally:
        await writes.outbox.close()
        await first.aclose()
        await second.aclose()
