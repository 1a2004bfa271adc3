"""Issue 12, finding 6: a response body reaches no log with its token, and the desk's files are private.

A login answer that is not JSON (a real one cut short) used to be quoted verbatim into the error the desk
logs; `outbox.db` was created 0644 while logs and drafts are 0600 in 0700 folders.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import httpx
import pytest

from agent_tui.config import LoggingSettings, Settings
from agent_tui.crash_report import write_crash_report
from agent_tui.credentials import _FileBackend
from agent_tui.forms.drafts import DraftStore
from agent_tui.forms.prefill import PrefillContext
from agent_tui.forms.runner import FormRun
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendProtocolError
from agent_tui.sync.outbox import Outbox
from agent_tui.sync.recording_download import download_recording
from agent_tui.sync.responses import decode_json, problem_from_response
from agent_tui.ui.desk.launch import _log_to_file
from agent_tui.ui.monitor.dates import export_folder
from tests.forms.screens import clock, shipped

TOKEN = "1bVw1ZIjLuDDH9E0BQPc4BP5QQsMSWkuCkEWCOQTJ0o"  # the shape of a real one (token_urlsafe(32))


def answer(status: int, body: str) -> httpx.Response:
    request = httpx.Request("POST", "https://backend.example/v1/sessions")
    return httpx.Response(status, content=body.encode(), request=request)


@pytest.mark.parametrize("body", [
    '{"token": "' + TOKEN + '", "role": "ag',  # a real answer cut short
    '{"token": "' + TOKEN[:30],  # cut inside the token
    "<html>token=" + TOKEN + "</html>",
    "upstream said: Bearer " + TOKEN,
    TOKEN,
])
def test_no_token_from_a_body_reaches_the_log(body: str, caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("agent_tui.test_desk_files")
    with pytest.raises(BackendProtocolError) as raised:
        decode_json(answer(201, body))
    problem = problem_from_response(answer(502, body))
    with caplog.at_level(logging.INFO):
        log.warning("login failed: %s", raised.value)
        log.warning("backend: %s", problem.detail)
    logged = caplog.text
    assert "not JSON" in logged  # the message is still useful
    assert TOKEN[:30] not in logged
    assert "***" in logged


@pytest.fixture
def default_umask() -> Iterator[None]:
    """The usual umask (022), under which a plain `open` makes files 0644."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_outbox_files_are_0600_in_a_0700_folder(tmp_path: Path, default_umask: None) -> None:
    folder = tmp_path / "state"
    outbox = Outbox(cast(BackendClient, object()), folder / "outbox.db")
    try:
        outbox.enqueue_sync("POST", "/v1/calls", {"call_id": "c-1", "notes": "customer data"}, "call")
        files = sorted(folder.iterdir())
        assert {p.name for p in files} >= {"outbox.db", "outbox.db-wal", "outbox.db-shm"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert mode(folder) == 0o700
    finally:
        await outbox.close()


async def test_an_old_0644_outbox_is_tightened(tmp_path: Path, default_umask: None) -> None:
    path = tmp_path / "outbox.db"
    path.touch(mode=0o644)
    outbox = Outbox(cast(BackendClient, object()), path)
    try:
        assert mode(path) == 0o600
    finally:
        await outbox.close()


def test_crash_reports_are_0600_in_a_0700_folder(tmp_path: Path, default_umask: None) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        report = write_crash_report(error, tmp_path / "crash")
    assert mode(report) == 0o600
    assert mode(report.parent) == 0o700


def test_drafts_are_0600_in_a_0700_folder(tmp_path: Path, default_umask: None) -> None:
    store = DraftStore(tmp_path / "drafts")
    run = FormRun.start(shipped()["repair"], PrefillContext(call={"number": "13812345678"}), clock=clock,
                        draft_id="d-1", language="en")
    assert store.save(run)
    assert mode(store.path_of("d-1")) == 0o600
    assert mode(tmp_path / "drafts") == 0o700


def test_the_desk_log_is_0600_in_a_0700_folder(tmp_path: Path, default_umask: None) -> None:
    path = tmp_path / "logs" / "agent-tui.log"
    settings = cast(Settings, SimpleNamespace(logging=LoggingSettings(level="INFO", file=path)))
    root = logging.getLogger()
    kept, root.handlers = root.handlers, []  # the desk logs to its file only when nothing else is set up
    try:
        _log_to_file(settings)
        logging.getLogger("agent_tui.test").warning("written")
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers = kept
    assert "written" in path.read_text(encoding="utf-8")
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_the_credential_file_is_0600(tmp_path: Path, default_umask: None) -> None:
    backend = _FileBackend(tmp_path / "keys" / "credentials.cfg")
    backend.unlock("a passphrase")
    backend.set("backend:agent01", "s3cret")
    assert mode(backend.path) == 0o600
    assert mode(backend.path.parent) == 0o700


async def test_downloaded_recordings_and_exports_are_0600(tmp_path: Path, default_umask: None) -> None:
    audio = b"RIFF....WAVE"
    client = BackendClient("https://backend.example", transport=httpx.MockTransport(
        lambda request: httpx.Response(200, content=audio, headers={"Content-Type": "audio/wav"})))
    try:
        target = await download_recording(client, "c-1", tmp_path / "rec" / "c-1.wav")
    finally:
        await client.aclose()
    assert target.read_bytes() == audio
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700
    assert mode(export_folder(tmp_path / "exports")) == 0o700


def test_the_pjsip_log_is_0600_in_a_0700_folder(tmp_path: Path, default_umask: None) -> None:
    from agent_tui.phone.logbridge import PjLogWriter  # pjsua2: only this test needs it

    writer = PjLogWriter(tmp_path / "sip" / "pjsip.log")
    writer.close()
    assert mode(tmp_path / "sip" / "pjsip.log") == 0o600
    assert mode(tmp_path / "sip") == 0o700
