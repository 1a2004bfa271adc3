"""A simulated caller as a child process (`python -m agent_tui.training.caller`), driven over JSON lines.

pjsua2 allows one engine per process, and the desk (or the console) already has one, so every simulated
call runs in its own process: commands go to its stdin (`step`, `next`, `takeover`, `release`,
`hangup`, `quit`), events come back from its stdout (`dialing`, `answered`, `caption`, `takeover`,
`ended`) and reach `on_event` on the event loop that started it. The process is ended by its pid.

The scenario the caller plays is the one the backend served (a trainer's own scenarios folder may hold
scenarios this install never shipped): it is handed to the process as a JSON file in a private folder
that lives as long as the launcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agent_tui.private_files import open_private, private_folder, write_private

if TYPE_CHECKING:
    from agent_tui.domain.training import Scenario

log = logging.getLogger(__name__)

CallerEvent = dict[str, Any]
"""One event line of the caller process, e.g. `{"event": "caption", "text": "...", "line": "opening"}`."""
EventSink = Callable[[CallerEvent], None]

RING_GRACE_S = 5.0
"""The caller gives up this long after the desk's own ring timeout: the desk, which refuses first, scores
the attempt unanswered; the caller's limit only ends calls the desk can no longer end (it quit or froze)."""


def caller_ring_limit(desk_ring_timeout_s: float) -> float:
    """How long a simulated call rings before the caller gives up (`desk.ring_timeout_s` and a grace)."""
    return desk_ring_timeout_s + RING_GRACE_S


class CallerHandle(Protocol):
    """A running simulated call."""

    @property
    def running(self) -> bool:
        """Whether the process is still alive."""

    def send(self, command: dict[str, Any]) -> None:
        """Write one command line (ignored once the process is gone)."""

    async def stop(self) -> None:
        """Hang up and end the process (by pid; SIGKILL after a grace period)."""


class CallerLauncher(Protocol):
    """Starts simulated calls (tests hand in an in-process double)."""

    async def start(self, scenario_id: str, target: str, attempt_id: str,
                    on_event: EventSink, scenario: Scenario | None = None) -> CallerHandle:
        """Dial `target` as scenario `scenario_id` (played from `scenario` when given, else the shipped
        copy); events go to `on_event` on the running loop."""


def caller_argv(scenario_id: str, target: str, attempt_id: str, *, audio: bool = True,
                trainer_phone: str | None = None, ring_timeout_s: float | None = None) -> list[str]:
    """The command line of one simulated call."""
    argv = [sys.executable, "-m", "agent_tui.training.caller", "--scenario", scenario_id, "--target", target,
            "--attempt", attempt_id]
    if not audio:
        argv.append("--no-audio")
    if trainer_phone:
        argv += ["--trainer-phone", trainer_phone]
    if ring_timeout_s is not None:
        argv += ["--ring-timeout", f"{ring_timeout_s:g}"]
    return argv


class CallerProcess:
    """One running `agent_tui.training.caller` process."""

    def __init__(self, proc: asyncio.subprocess.Process, on_event: EventSink) -> None:
        self.proc = proc
        self.on_event = on_event
        self.events: list[CallerEvent] = []
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @property
    def running(self) -> bool:
        """Whether the process is still alive."""
        return self.proc.returncode is None

    @property
    def pid(self) -> int:
        """The process id."""
        return self.proc.pid

    async def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        while True:
            raw = await stdout.readline()
            if not raw:
                break
            try:
                event = json.loads(raw)
            except ValueError:
                log.info("caller process %d: %s", self.proc.pid, raw[:200])
                continue
            if isinstance(event, dict):
                self.events.append(event)
                try:
                    self.on_event(event)
                except Exception:  # one bad event must not stop the reader
                    log.exception("caller event handler failed")
        await self.proc.wait()
        with contextlib.suppress(Exception):
            self.on_event({"event": "exited", "code": self.proc.returncode})

    def send(self, command: dict[str, Any]) -> None:
        """Write one command line (ignored once the process is gone)."""
        stdin = self.proc.stdin
        if stdin is None or not self.running or stdin.is_closing():
            return
        with contextlib.suppress(OSError, RuntimeError):
            stdin.write((json.dumps(command) + "\n").encode())

    async def stop(self, grace_s: float = 5.0) -> None:
        """Ask it to quit, then SIGTERM and SIGKILL by pid if it lingers."""
        if self.running:
            self.send({"cmd": "quit"})
            try:
                await asyncio.wait_for(self.proc.wait(), grace_s)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.proc.pid, signal.SIGTERM)
                try:
                    await asyncio.wait_for(self.proc.wait(), grace_s)
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.proc.pid, signal.SIGKILL)
                    await self.proc.wait()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(self._reader, grace_s)


class ProcessLauncher:
    """`CallerLauncher` that starts real caller processes; their stderr goes to `log_dir`/caller-*.log.

    `trainer_phone` is the trainer's own softphone (a SIP URI): a takeover joins it to the call.
    `ring_timeout_s`: each caller gives up a call still ringing this long (None: never; see
    `caller_ring_limit`).
    """

    def __init__(self, *, audio: bool = True, log_dir: Path | None = None,
                 extra_args: Sequence[str] = (), trainer_phone: str | None = None,
                 ring_timeout_s: float | None = None) -> None:
        self.audio = audio
        self.ring_timeout_s = ring_timeout_s
        self.trainer_phone = trainer_phone
        self.log_dir = log_dir
        self.extra_args = list(extra_args)
        self.started: list[CallerProcess] = []
        self._scenario_files: tempfile.TemporaryDirectory[str] | None = None

    def scenario_file(self, scenario: Scenario, attempt_id: str) -> Path:
        """`scenario` as JSON in this launcher's private folder, for the caller process to read."""
        if self._scenario_files is None:
            self._scenario_files = tempfile.TemporaryDirectory(prefix="agent-tui-scenarios-")
        safe = "".join(char for char in attempt_id if char.isalnum() or char in "-_")[:64] or "attempt"
        path = Path(self._scenario_files.name) / f"{safe}.json"
        write_private(path, scenario.model_dump_json())
        return path

    async def start(self, scenario_id: str, target: str, attempt_id: str,
                    on_event: EventSink, scenario: Scenario | None = None) -> CallerProcess:
        """Start one simulated call (of `scenario` as the backend served it, when given)."""
        source = str(self.scenario_file(scenario, attempt_id)) if scenario is not None else scenario_id
        argv = [*caller_argv(source, target, attempt_id, audio=self.audio, trainer_phone=self.trainer_phone,
                             ring_timeout_s=self.ring_timeout_s),
                *self.extra_args]
        stderr: Any = asyncio.subprocess.DEVNULL
        if self.log_dir is not None:
            private_folder(self.log_dir)
            stderr = open_private(self.log_dir / f"caller-{attempt_id}.log", "ab")
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr,
            )
        finally:
            if stderr is not asyncio.subprocess.DEVNULL:
                stderr.close()
        caller = CallerProcess(proc, on_event)
        self.started.append(caller)
        return caller

    async def stop_all(self) -> None:
        """End every process this launcher started."""
        for caller in self.started:
            await caller.stop()
        self.started.clear()
        if self._scenario_files is not None:
            self._scenario_files.cleanup()
            self._scenario_files = None
