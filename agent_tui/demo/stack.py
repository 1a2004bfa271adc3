"""Start and stop the processes a demo needs: the reference backend (and its recorded demo calls), the demo
caller, the repair centre and the colleague's desk.

Every process is started in its own session and ended by its pid (group), never by name.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from types import TracebackType

import httpx

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None]:
    """A pre-exec hook that makes the child get SIGTERM when the demo dies, however it dies (Linux).

    libc is resolved here, before the fork, so the child only makes one system call.
    """
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return lambda: None
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port nobody listens on right now on 127.0.0.1."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class DemoStack(AbstractContextManager["DemoStack"]):
    """The background processes of a demo, stopped in reverse order on exit."""

    def __init__(self, folder: Path, progress: Callable[[str], None]) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._progress = progress
        self._procs: list[subprocess.Popen[bytes]] = []

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start `argv` with its output in `<folder>/<name>.log` (`env`: added to ours)."""
        log = (self.folder / f"{name}.log").open("ab")
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=_die_with_parent(), env={**os.environ, **env} if env else None,
        )
        log.close()
        self._procs.append(proc)
        return proc

    def start_backend(self, port: int, timeout: float = 60.0) -> str:
        """Start `agent-tui server --seed demo` on `port` and wait until it answers; its URL."""
        db = self.folder / "demo.db"
        url = f"http://127.0.0.1:{port}"
        self._progress(f"starting the reference backend on {url} (demo data in {db}) ...")
        proc = self.spawn("server", [
            sys.executable, "-m", "agent_tui.cli", "server", "--seed", "demo",
            "--port", str(port), "--db", f"sqlite:///{db}",
        ])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log_file = self.folder / "server.log"
                raise RuntimeError(f"the backend exited with {proc.returncode}; see {log_file}")
            try:
                if httpx.get(f"{url}/v1/health", timeout=1.0).status_code == 200:
                    self.start_recordings(url)
                    return url
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # polling a child process that is starting: nothing to wait on
        log_file = self.folder / "server.log"
        raise RuntimeError(f"the backend did not answer within {timeout:.0f} s; see {log_file}")

    def start_recordings(self, backend_url: str) -> None:
        """Store a few recorded demo calls in the background (`agent_tui.demo.recordings`), so the monitor's
        recordings, QA scoring and the trainer's model calls have audio at once."""
        self.spawn("recordings",
                   [sys.executable, "-m", "agent_tui.demo.recordings", "--backend", backend_url])

    def start_caller(self, backend_url: str, target: str, interval_s: float) -> None:
        """Start the built-in caller ringing `target` every `interval_s` seconds after each call."""
        self._progress(f"starting the demo caller, ringing {target} ...")
        self.spawn("caller", [
            sys.executable, "-m", "agent_tui.demo.caller", "--backend", backend_url,
            "--target", target, "--interval", str(interval_s),
        ])

    def start_repair_centre(self, backend_url: str, speed: float = 1.0) -> None:
        """Start the simulated repair centre (`agent_tui.demo.repair_centre`) moving new repair orders."""
        self._progress("starting the simulated repair centre (field01) and dispatcher (dispatch01) ...")
        self.spawn("repair-centre", [
            sys.executable, "-m", "agent_tui.demo.repair_centre", "--backend", backend_url,
            "--speed", str(speed),
        ])

    def start_colleague(self, backend_url: str, sip_port: int) -> None:
        """Start the colleague's desk (`agent_tui.demo.colleague`): agent02, extension 1002."""
        from agent_tui.demo.colleague import COLLEAGUE, COLLEAGUE_EXTENSION

        self._progress(f"starting a colleague's desk ({COLLEAGUE}, extension {COLLEAGUE_EXTENSION}): "
                       f"transfer or consult to {COLLEAGUE_EXTENSION} ...")
        self.spawn("colleague", [
            sys.executable, "-m", "agent_tui.demo.colleague", "--backend", backend_url,
            "--sip-port", str(sip_port), "--log", str(self.folder / "colleague-desk.log"),
        ])

    def start_survey(self, backend_url: str, sip_port: int) -> str:
        """Start the keypad satisfaction survey (`agent-tui survey`, as voice01) answering on `sip_port`;
        its SIP URI, for the desk's `[desk] survey_uri`."""
        self._progress(f"starting the satisfaction survey on 127.0.0.1:{sip_port} ...")
        self.spawn("survey", [
            sys.executable, "-m", "agent_tui.cli", "survey", "--listen", f"127.0.0.1:{sip_port}",
            "--backend", backend_url, "--user", "voice01", "--folder", str(self.folder / "voice"),
        ], env={"AGENT_TUI_PASSWORD": "demo"})
        return f"sip:survey@127.0.0.1:{sip_port}"

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for proc in reversed(self._procs):
            stop_process(proc)
        self._procs.clear()


def stop_process(proc: subprocess.Popen[bytes], grace_s: float = 5.0) -> None:
    """SIGTERM the process group of `proc`, then SIGKILL it if it has not exited in time."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        proc.wait()
