"""The recordings disk is full: the desk warns clearly and the call goes on.

Recording is on, and the recordings folder is a 1 MiB tmpfs (mounted by the test: root only) filled
to the last byte before the call. The real desk (tmux, 80x24) answers a call from SIPp through
Kamailio: the agent sees a warning about the recording, and the call stays up (the timer runs and the
desk hangs up normally; SIPp gets the BYE). The tmpfs is unmounted at the end, and checked gone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.e2e.conftest import TerminalFactory
from tests.e2e.test_desk_repair_order import (
    AGENT,
    EXTENSION,
    answer_after_pop,
    hang_up_and_quit,
    ring,
    status_line,
    write_config,
)
from tests.e2e.tmux import TmuxSession
from tests.support.peers import require_binary
from tests.support.sip_peers import Kamailio, Sipp, agent_tui_command

pytestmark = pytest.mark.peers

TMPFS_SIZE = "1M"
WARNING = re.compile(r"recording", re.IGNORECASE)
"""What the desk's warning about the recordings disk mentions."""
WARNING_WITHIN_S = 5.0


def mounted(path: Path) -> bool:
    """True when `path` is a mount point now (read from /proc/self/mounts)."""
    target = str(path.resolve())
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        return any(line.split()[1] == target for line in mounts if line.strip())


def fill(folder: Path) -> int:
    """Write to `folder` until the filesystem is full; the bytes written."""
    written = 0
    chunk = b"\0" * 65536
    with open(folder / "filler.bin", "wb", buffering=0) as out:
        while True:
            try:
                written += out.write(chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                break
        # The last partial block: byte by byte, so not even a WAV header fits.
        with contextlib.suppress(OSError):
            while out.write(b"\0"):
                written += 1
    return written


@pytest.fixture
def full_recordings(tmp_path: Path) -> Iterator[Path]:
    """A tiny tmpfs filled up; unmounted afterwards (asserted).

    Ask for it before `terminal`, so it is torn down after the desk has exited: a desk still holding
    a WAV open would keep the filesystem busy.
    """
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = require_binary("mount", "mount")
    umount = require_binary("umount", "mount")
    folder = tmp_path / "recordings"
    folder.mkdir()
    subprocess.run([mount, "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs", str(folder)],
                   check=True, capture_output=True, timeout=10)
    try:
        assert mounted(folder)
        assert fill(folder) > 0
        yield folder
    finally:
        done = subprocess.run([umount, str(folder)], check=False, capture_output=True, timeout=10)
        if done.returncode != 0:  # busy: detach it anyway, and fail below
            subprocess.run([umount, "-l", str(folder)], check=False, capture_output=True, timeout=10)
    assert done.returncode == 0, f"umount {folder}: {done.stderr!r}"
    assert not mounted(folder), f"{folder} is still mounted"


def start_recording_desk(terminal: TerminalFactory, backend: RealBackend, registrar: Kamailio,
                         tmp_path: Path, recordings: Path) -> TmuxSession:
    """The e2e desk config plus recording into `recordings`."""
    config = write_config(tmp_path / "desk.toml", backend, registrar)
    with config.open("a", encoding="utf-8") as out:
        out.write(f'\n[recording]\nenabled = true\ndirectory = "{recordings}"\n')
    env = dict(os.environ)
    env["AGENT_TUI_PASSWORD"] = DEMO_PASSWORD
    env["AGENT_TUI_SIP_PASSWORD"] = registrar.password(EXTENSION)
    term = terminal(80, 24)
    term.start([*agent_tui_command(), "desk", "--config", str(config), "--user", AGENT], env, cwd=tmp_path)
    term.wait_for_screen(lambda s: "SIP ok" in status_line(s) and "Online" in status_line(s), 30,
                         message="the desk logged in and registered")
    return term


def test_full_recordings_disk_warns_and_the_call_goes_on(
    full_recordings: Path, terminal: TerminalFactory, backend: RealBackend, kamailio: Kamailio, sipp: Sipp,
    tmp_path: Path
) -> None:
    api = backend.client(AGENT)
    try:
        customer = api.single_match_customer()
    finally:
        api.close()
    term = start_recording_desk(terminal, backend, kamailio, tmp_path, full_recordings)
    call = ring(sipp, kamailio, customer)
    answer_after_pop(term, customer)
    term.wait_for_screen(lambda s: WARNING.search(s) is not None, WARNING_WITHIN_S,
                         message="a warning about the recording")
    # The call goes on regardless: still up, its timer running, and it ends normally.
    term.wait_for_screen(lambda s: re.search(rf"On call {customer['phones'][0]} .* 0:0[3-9]", s) is not None,
                         15, message="the call up with its timer past 3 s")
    assert call.proc.poll() is None, "SIPp's call must still be up"
    hang_up_and_quit(term, call)
