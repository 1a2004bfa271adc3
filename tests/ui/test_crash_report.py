"""An unhandled error ends the app with a crash report on disk and one line on the terminal: no
traceback, no local variables (what the agent typed), credentials masked."""

from __future__ import annotations

import os
import pty
import select
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent_tui.crash_report import KEEP, mask_secrets, write_crash_report
from agent_tui.paths import log_dir
from tests.ui.crashing_app import TYPED_PASSWORD, CrashingApp


def test_credentials_in_an_error_message_are_masked() -> None:
    text = mask_secrets("GET failed: Authorization: Bearer abc.DEF-123 url=postgresql://u:pw0rd@db/x "
                        "password=hunter2 token: 'xyz'")
    assert "abc.DEF-123" not in text
    assert "pw0rd" not in text
    assert "hunter2" not in text
    assert "xyz" not in text
    assert "postgresql://u:***@db/x" in text


def test_reports_are_private_and_only_the_newest_are_kept(tmp_path: Path) -> None:
    def boom() -> None:
        raise ValueError("password=hunter2")

    try:
        boom()
    except ValueError as error:
        paths = [write_crash_report(error, tmp_path / "crash", version="9.9",
                                    now=datetime(2026, 1, 1, 0, 0, second, tzinfo=UTC))
                 for second in range(KEEP + 3)]
    kept = sorted((tmp_path / "crash").glob("crash-*.txt"))
    assert kept == paths[-KEEP:]
    assert stat.S_IMODE(kept[-1].stat().st_mode) == 0o600
    text = kept[-1].read_text()
    assert "agent-tui 9.9 crashed at 2026-01-01T00:00:22+00:00" in text
    assert "in boom" in text
    assert "hunter2" not in text


async def test_a_crash_in_a_handler_leaves_a_report_and_no_traceback() -> None:
    app = CrashingApp()
    with pytest.raises(RuntimeError, match="a bug while logging in"):
        async with app.run_test() as pilot:
            await pilot.press("x")
    reports = list((log_dir() / "crash").glob("crash-*.txt"))
    assert len(reports) == 1
    report = reports[0].read_text()
    assert "RuntimeError: a bug while logging in" in report
    assert "in action_crash" in report
    assert TYPED_PASSWORD not in report
    assert app.return_code == 1


def test_the_terminal_shows_one_line_and_no_secret() -> None:
    """The real app in a pseudo-terminal: what reaches the screen after the crash."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    proc = subprocess.Popen([sys.executable, "-m", "tests.ui.crashing_app"], stdin=follower, stdout=follower,
                            stderr=follower, env=env, cwd=Path(__file__).parents[2], start_new_session=True)
    os.close(follower)
    output = bytearray()
    crashed = False
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the app closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                if not crashed and b"ready to crash" in output:
                    os.write(leader, b"x")
                    crashed = True
            elif proc.poll() is not None:
                break
        assert proc.wait(30) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        os.close(leader)
    text = output.decode("utf-8", "replace")
    assert crashed
    assert "agent-tui stopped after an internal error" in text
    assert "Crash report: " in text
    assert "Traceback" not in text
    assert TYPED_PASSWORD not in text
