"""The outbox journal's fsync on its own thread: who waits for it, who does not, and what a kill keeps."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.domain.call import CallRecord
from agent_tui.sync.client import BackendClient
from agent_tui.sync.desk_link import OutboxWrites
from agent_tui.sync.journal_sync import JournalSyncFailed, WalSyncer
from agent_tui.sync.outbox import Outbox

DEADLINE_S = 10.0


class GatedFsync:
    """An fsync that waits for the test to open the gate, and records which files it synced."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.inodes: list[int] = []
        self.fail: OSError | None = None

    def __call__(self, fd: int) -> None:
        self.started.set()
        assert self.gate.wait(DEADLINE_S), "the test never opened the gate"
        if self.fail is not None:
            raise self.fail
        os.fsync(fd)
        self.inodes.append(os.fstat(fd).st_ino)


def rows(path: Path) -> int:
    """Rows in the journal as another connection sees them (what a restarted desk would find)."""
    other = sqlite3.connect(path)
    try:
        return int(other.execute("SELECT count(*) FROM outbox").fetchone()[0])
    finally:
        other.close()


def gated_outbox(path: Path, fsync: GatedFsync) -> Outbox:
    client = BackendClient("http://b.test", token=SecretStr("t"),
                           transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    outbox = Outbox(client, path)
    outbox._journal.syncer.close()
    outbox._journal.syncer = WalSyncer(path, fsync=fsync)
    return outbox


@pytest.fixture
def gated(tmp_path: Path) -> Iterator[tuple[Outbox, GatedFsync]]:
    fsync = GatedFsync()
    outbox = gated_outbox(tmp_path / "o.db", fsync)
    yield outbox, fsync
    fsync.gate.set()
    outbox._journal.syncer.close()
    outbox._journal.db.close()


def in_thread(fn: object) -> tuple[threading.Thread, list[object]]:
    result: list[object] = []

    def run() -> None:
        try:
            result.append(fn())  # type: ignore[operator]
        except Exception as error:  # the test inspects it
            result.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_a_durable_enqueue_returns_only_after_the_wal_is_fsynced(gated: tuple[Outbox, GatedFsync],
                                                                  tmp_path: Path) -> None:
    outbox, fsync = gated
    thread, result = in_thread(lambda: outbox.enqueue_sync("POST", "/v1/tickets", {"n": 1}, "ticket"))
    assert fsync.started.wait(DEADLINE_S)
    thread.join(0.2)
    assert thread.is_alive()
    assert result == []
    fsync.gate.set()
    thread.join(DEADLINE_S)
    assert not thread.is_alive()
    assert len(result) == 1
    assert not isinstance(result[0], Exception)
    wal = os.stat(tmp_path / "o.db-wal").st_ino
    assert wal in fsync.inodes


def test_a_bookkeeping_enqueue_returns_at_commit_and_is_synced_afterwards(
        gated: tuple[Outbox, GatedFsync], tmp_path: Path) -> None:
    outbox, fsync = gated
    for n in range(5):  # returns although the fsync is held: nothing waits on the disk
        outbox.enqueue_sync("PUT", "/v1/agents/a/state", {"n": n}, "agent_state", durable=False)
    assert rows(tmp_path / "o.db") == 5  # committed: visible to another process now
    ticket = outbox._journal.syncer.committed()  # nothing more written: the ticket after the five
    assert not outbox._journal.syncer.is_synced(ticket - 1)
    fsync.gate.set()
    outbox._journal.syncer.wait(ticket - 1, timeout=DEADLINE_S)
    # One fsync in progress when the writes came, and at most one more covering all five.
    assert 1 <= len([i for i in fsync.inodes if i == os.stat(tmp_path / "o.db-wal").st_ino]) <= 2


def test_a_failed_fsync_is_reported_to_the_waiter_and_stays_failed(gated: tuple[Outbox, GatedFsync]) -> None:
    outbox, fsync = gated
    fsync.fail = OSError(5, "Input/output error")
    fsync.gate.set()
    with pytest.raises(JournalSyncFailed, match="Input/output error"):
        outbox.enqueue_sync("POST", "/v1/tickets", {"n": 1}, "ticket")
    fsync.fail = None  # a later fsync that succeeds proves nothing about the pages the kernel dropped
    with pytest.raises(JournalSyncFailed):
        outbox.enqueue_sync("POST", "/v1/tickets", {"n": 2}, "ticket")
    assert outbox.status().queued == 2  # both journalled all the same: they are still delivered


CHILD = """
import os, signal, sys
from pathlib import Path
import httpx
from pydantic import SecretStr
from agent_tui.sync.client import BackendClient
from agent_tui.sync.outbox import Outbox
from agent_tui.sync.journal_sync import WalSyncer

class Never:
    def __call__(self, fd):
        signal.pause()  # the fsync never happens: only the commit protects the rows

client = BackendClient("http://b.test", token=SecretStr("t"), transport=httpx.MockTransport(lambda r: None))
outbox = Outbox(client, Path(sys.argv[1]))
outbox._journal.syncer = WalSyncer(outbox.path, fsync=Never())
for n in range(3):
    outbox.enqueue_sync("PUT", "/v1/agents/a/state", {"n": n}, "agent_state", durable=False)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_committed_write_survives_the_process_being_killed_before_its_fsync(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    child = subprocess.run([sys.executable, "-c", CHILD, str(path)], timeout=60, capture_output=True,
                           env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    assert rows(path) == 3


def test_desk_writes_wait_for_the_disk_only_for_what_the_agent_is_told_was_saved(tmp_path: Path) -> None:
    fsync = GatedFsync()
    client = BackendClient("http://b.test", token=SecretStr("t"),
                           transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    writes = OutboxWrites(client)
    writes.outbox._journal.syncer.close()
    writes.outbox._journal.syncer = WalSyncer(writes.outbox.path, fsync=fsync)
    try:
        writes.set_state("agent01", AgentStateChange(state=AgentStateName.READY))
        ring = CallRecord(call_id="c1", direction="inbound", number="1001", agent="agent01",
                          end_reason="cancelled")
        writes.record_call(ring)  # the phone's record of a ring nobody answered: no wait
        thread, result = in_thread(lambda: writes.record_call(
            ring.model_copy(update={"disposition": "resolved", "notes": "asked about the bill"})))
        thread.join(0.2)
        assert thread.is_alive()
        assert result == []
        fsync.gate.set()
        thread.join(DEADLINE_S)
        assert not thread.is_alive()
        assert isinstance(result[0], str)
    finally:
        fsync.gate.set()
        writes.outbox._journal.syncer.close()
        writes.outbox._journal.db.close()


async def test_the_sender_sends_a_durable_write_while_its_fsync_is_still_running(tmp_path: Path) -> None:
    """The fsync guards against a power cut, not against a send: the backend gets the write at once."""
    fsync = GatedFsync()
    sent = asyncio.Event()
    loop = asyncio.get_running_loop()

    def backend(_request: httpx.Request) -> httpx.Response:
        loop.call_soon_threadsafe(sent.set)
        return httpx.Response(201, json={})

    client = BackendClient("http://b.test", token=SecretStr("t"), transport=httpx.MockTransport(backend))
    outbox = Outbox(client, tmp_path / "o.db")
    outbox._journal.syncer.close()
    outbox._journal.syncer = WalSyncer(outbox.path, fsync=fsync)
    outbox.start()
    try:
        enqueue = asyncio.ensure_future(asyncio.to_thread(
            outbox.enqueue_sync, "POST", "/v1/campaign-contacts/1/outcome", {"outcome": "informed"},
            "campaign_outcome"))
        await asyncio.wait_for(sent.wait(), DEADLINE_S)
        assert not enqueue.done()  # the agent is not told "queued" before the disk has it
        fsync.gate.set()
        await asyncio.wait_for(enqueue, DEADLINE_S)
    finally:
        fsync.gate.set()
        await outbox.close()
