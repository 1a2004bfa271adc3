"""The real desk's status bar (tmux, 80x24) tells the truth about the backend: killed, then stalled.

Found before: the header said "Online" for 20 s after the backend was killed (nothing queued, so
nothing failed). Now the desk shows "Offline" within 10 s of a SIGKILL and of a SIGSTOP (a process
that keeps its sockets and answers nothing), and "Online" again soon after a restart or SIGCONT.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

from agent_tui.config import BackendSettings
from tests.e2e.backend import RealBackend
from tests.e2e.conftest import TerminalFactory, backend, terminal
from tests.e2e.test_desk_repair_order import start_desk, status_line
from tests.support.sip_peers import Kamailio, kamailio

__all__ = ["backend", "kamailio", "terminal"]

pytestmark = pytest.mark.peers

DEADLINE_S = 10.0
RECOVERY_S = 2 * BackendSettings().health_probe_s + 5.0
"""A probe interval to notice, one more in case the first probe met the backend still starting, and
the repaint, on a loaded machine."""


def _offline(screen: str) -> bool:
    return "Offline" in status_line(screen)


def _online(screen: str) -> bool:
    return "Online" in status_line(screen)


def test_the_desk_header_shows_a_killed_and_a_stalled_backend_offline_within_10_s(
    terminal: TerminalFactory, backend: RealBackend, kamailio: Kamailio, tmp_path: Path
) -> None:
    term = start_desk(terminal, backend, kamailio, tmp_path)  # waits for "Online"

    killed_at = time.monotonic()
    backend.kill()
    term.wait_for_screen(_offline, DEADLINE_S, message="Offline after the backend was killed")
    print(f"desk: killed backend shown offline after {time.monotonic() - killed_at:.2f} s")
    backend.start()
    back_at = time.monotonic()
    term.wait_for_screen(_online, RECOVERY_S, message="Online after the backend restarted")
    print(f"desk: restarted backend shown online after {time.monotonic() - back_at:.2f} s")

    assert backend.proc is not None
    group = backend.proc.pid
    stalled_at = time.monotonic()
    os.killpg(group, signal.SIGSTOP)
    try:
        term.wait_for_screen(_offline, DEADLINE_S, message="Offline while the backend is stalled")
        print(f"desk: stalled backend shown offline after {time.monotonic() - stalled_at:.2f} s")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGCONT)
    resumed_at = time.monotonic()
    term.wait_for_screen(_online, RECOVERY_S, message="Online after the backend resumed")
    print(f"desk: resumed backend shown online after {time.monotonic() - resumed_at:.2f} s")
    term.send_keys("C-q")
    term.wait_exit(15)
