"""Call recordings through the outbox: a file item streams the WAV to the REAL backend's `PUT /v1/recordings`.

The journal names the file, not its bytes; the upload survives the backend being down and the desk
restarting; a file deleted before it was sent becomes a dead letter saying so, and the queue goes on.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import sqlite3
import uuid
import wave
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.sync.client import BackendClient
from agent_tui.sync.outbox import Delivery, ItemState, LinkState, Outbox
from agent_tui.sync.retry import Backoff
from tests.sync.test_outbox_e2e import USER, ServerProcess, login, server, until

__all__ = ["server"]

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("agent_tui.server.cli") is None,
    reason="the reference backend (agent_tui.server.cli) is not in this checkout",
)


def write_wav(path: Path, seconds: float = 1.0, tone: int = 3) -> bytes:
    """A small 8 kHz mono WAV at `path` (content differs with `tone`); its bytes."""
    frames = int(8000 * seconds)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(bytes((n * tone) % 256 for n in range(frames * 2)))
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def stored_audio(url: str, token: str, call_id: str) -> bytes:
    """The recording the backend keeps for `call_id`."""
    response = httpx.get(f"{url}/v1/recordings/{call_id}/audio", headers={"Authorization": f"Bearer {token}"},
                         timeout=10)
    assert response.status_code == 200, response.text
    return response.content


def training_recordings(url: str, token: str) -> list[str]:
    """Call ids of the training recordings the backend lists for this agent."""
    response = httpx.get(f"{url}/v1/recordings", params={"training": "true"}, timeout=10,
                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return [r["call_id"] for r in response.json()["items"]]


def recording_path(call_id: str) -> str:
    return f"/v1/recordings/{call_id}"


async def test_a_recording_is_streamed_once_and_kept_locally(server: ServerProcess, tmp_path: Path) -> None:
    token = login(server.url)
    call_id = f"rec-{uuid.uuid4().hex[:8]}"
    wav = tmp_path / f"{call_id}.wav"
    # Bigger than one read chunk, so the body really goes in pieces.
    content = write_wav(wav, seconds=40.0)
    assert len(content) > 256 * 1024
    deliveries: list[Delivery] = []
    client = BackendClient(server.url, token=SecretStr(token))
    outbox = Outbox(client, tmp_path / "outbox.db", on_delivered=deliveries.append)
    try:
        item = await outbox.enqueue_file("PUT", recording_path(call_id), wav, "audio/wav", "recording")
        assert item.body is None
        assert item.body_file == str(wav.absolute())
        queued = await outbox.queued_items()
        assert [(q.body_file, q.content_type) for q in queued] == [(str(wav.absolute()), "audio/wav")]
        outbox.start()
        await until(lambda: outbox.status().queued == 0, limit=30)
        # The same file queued again (e.g. a retry after a lost answer): the backend's no-op.
        await outbox.enqueue_file("PUT", recording_path(call_id), wav, "audio/wav", "recording")
        await until(lambda: len(deliveries) == 2, limit=30)
    finally:
        await outbox.close()
        await client.aclose()
    assert [d.status for d in deliveries] == [201, 200]
    assert deliveries[0].response["size"] == len(content)
    assert deliveries[0].response["agent"] == USER
    assert outbox.status().dead == 0
    assert await asyncio.to_thread(stored_audio, server.url, token, call_id) == content
    assert wav.read_bytes() == content  # kept: retention is the recordings folder's own business


async def test_backend_down_and_desk_restarted_then_uploaded(server: ServerProcess, tmp_path: Path) -> None:
    token = login(server.url)
    server.kill()
    call_id = f"rec-{uuid.uuid4().hex[:8]}"
    wav = tmp_path / f"{call_id}.wav"
    content = write_wav(wav, tone=7)
    journal = tmp_path / "outbox.db"
    client = BackendClient(server.url, token=SecretStr(token))
    try:
        first = Outbox(client, journal, backoff=Backoff(base=0.05, cap=0.3))
        try:
            await first.enqueue_file("PUT", f"{recording_path(call_id)}?training=true", wav, "audio/wav",
                                     "recording")
            first.start()
            await until(lambda: first.status().link == LinkState.OFFLINE)
            assert first.status().queued == 1
        finally:
            await first.close()  # the desk quits with the upload still queued
        await asyncio.to_thread(server.start)
        second = Outbox(client, journal, backoff=Backoff(base=0.05, cap=0.3))
        try:
            assert second.status().queued == 1
            second.start()
            await until(lambda: second.status().queued == 0, limit=30)
            assert second.delivered == 1
            assert second.status().dead == 0
        finally:
            await second.close()
    finally:
        await client.aclose()
    assert await asyncio.to_thread(stored_audio, server.url, token, call_id) == content
    assert call_id in await asyncio.to_thread(training_recordings, server.url, token)


async def test_a_deleted_recording_is_a_dead_letter_and_the_queue_goes_on(server: ServerProcess,
                                                                           tmp_path: Path) -> None:
    token = login(server.url)
    gone = tmp_path / "gone.wav"
    write_wav(gone)
    here = tmp_path / "here.wav"
    content = write_wav(here, tone=5)
    call_gone, call_here = f"rec-{uuid.uuid4().hex[:8]}", f"rec-{uuid.uuid4().hex[:8]}"
    client = BackendClient(server.url, token=SecretStr(token))
    outbox = Outbox(client, tmp_path / "outbox.db")
    try:
        bad = await outbox.enqueue_file("PUT", recording_path(call_gone), gone, "audio/wav", "recording")
        await outbox.enqueue_file("PUT", recording_path(call_here), here, "audio/wav", "recording")
        gone.unlink()
        outbox.start()
        await until(lambda: outbox.status().queued == 0 and outbox.status().dead == 1, limit=30)
        dead = await outbox.dead_letters()
        assert [d.seq for d in dead] == [bad.seq]
        assert dead[0].state is ItemState.DEAD
        assert dead[0].attempts == 1
        assert dead[0].last_error is not None
        assert "no longer exists" in dead[0].last_error
        assert dead[0].problem is not None
        assert str(gone) in dead[0].problem.detail
        assert outbox.delivered == 1
        # Retried while still missing: dead again, at once, not a loop.
        assert await outbox.retry_dead(bad.seq)
        await until(lambda: outbox.status().dead == 1 and outbox.status().queued == 0)
        assert (await outbox.dead_letters())[0].attempts == 1  # retry_dead restarts the count
    finally:
        await outbox.close()
        await client.aclose()
    assert await asyncio.to_thread(stored_audio, server.url, token, call_here) == content


async def test_a_journal_from_before_file_items_is_migrated(tmp_path: Path) -> None:
    journal = tmp_path / "outbox.db"
    old = sqlite3.connect(journal)
    old.executescript("""
        CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL, body TEXT, created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, dead INTEGER NOT NULL DEFAULT 0, http_status INTEGER,
            last_error TEXT, problem TEXT);
        INSERT INTO outbox (idempotency_key, kind, method, path, body, created_at)
            VALUES ('k1', 'call', 'POST', '/v1/calls', '{"call_id": "c1"}', '2026-11-22T10:00:00+00:00');
    """)
    old.commit()
    old.close()
    client = BackendClient("http://127.0.0.1:9")
    outbox = Outbox(client, journal)
    try:
        wav = tmp_path / "c1.wav"
        write_wav(wav, seconds=0.1)
        await outbox.enqueue_file("PUT", recording_path("c1"), wav, "audio/wav", "recording")
        items = await outbox.queued_items()
    finally:
        await outbox.close()
        await client.aclose()
    assert [(i.kind, i.body, i.body_file) for i in items] == [
        ("call", {"call_id": "c1"}, None), ("recording", None, str(wav.absolute()))]
