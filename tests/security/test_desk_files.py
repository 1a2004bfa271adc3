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
from typing import cast

import httpx
import pytest

from agent_tui.crash_report import write_crash_report
from agent_tui.sync.client import BackendClient, _decode_json, problem_from_response
from agent_tui.sync.errors import BackendProtocolError
from agent_tui.sync.outbox import Outbox

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
        _decode_json(answer(201, body))
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
