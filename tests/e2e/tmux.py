"""A small tmux driver for end-to-end tests of the terminal UI in a real terminal.

Each `TmuxSession` runs its own tmux server on a private socket (a fresh folder under /tmp, since a
socket path must stay short), so nothing touches the user's tmux. The server is started with the
environment the test gives: a private tmux server's global environment is a copy of the starting
client's, so the pane gets exactly that environment (secrets never go on a command line).

The pane keeps its exit status (`remain-on-exit`), the status line is off (the pane is the whole
window, exactly `width` x `height`), and the escape delay is 0 so Escape reaches the app at once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tests.support.waiting import WaitTimeout, wait_for

QUIT_QUESTION = "Quit anyway?"
"""What the desk asks on ctrl+q with a call up or writes queued (ui/desk/app.py, ui/common/confirm.py)."""

TMUX_CONF = """\
set -g remain-on-exit on
set -g status off
set -s escape-time 0
set -g default-terminal tmux-256color
set -g history-limit 2000
"""
SESSION = "e2e"
# Variables that would tie the pane to the tmux the tests themselves run under.
_DROP_ENV = ("TMUX", "TMUX_PANE")


def process_start_time(pid: int) -> int | None:
    """The start time (clock ticks since boot) of live process `pid`, None if gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def children_of(pid: int) -> list[int]:
    """Pids of the live children of `pid` (read from /proc)."""
    found: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            found.append(int(stat.parent.name))
    return found


def cmdline(pid: int) -> list[str]:
    """The argv of process `pid` ([] when it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


class ProcessRef:
    """A process identified by pid and start time, so a reused pid never counts as 'still running'."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.started = process_start_time(pid)

    def __repr__(self) -> str:
        return f"ProcessRef({self.pid}, {cmdline(self.pid)[:4]})"

    @property
    def alive(self) -> bool:
        """True while this very process runs."""
        return self.started is not None and process_start_time(self.pid) == self.started

    def end(self, grace: float = 5.0) -> None:
        """SIGTERM it by pid, then SIGKILL after `grace` seconds; returns once it is gone."""
        if not self.alive:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        try:
            wait_for(lambda: not self.alive, grace, interval=0.05, message=f"pid {self.pid} to exit")
        except WaitTimeout:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            wait_for(lambda: not self.alive, 5.0, interval=0.05, message=f"pid {self.pid} to die")


class TmuxSession:
    """One command in one tmux pane of a fixed size, driven by keys and read by `capture-pane`."""

    def __init__(self, binary: str, width: int = 80, height: int = 24) -> None:
        self.binary = binary
        self.width = width
        self.height = height
        self.folder = Path(tempfile.mkdtemp(prefix="agent-tui-tmux-"))
        self.socket = self.folder / "sock"
        self.conf = self.folder / "tmux.conf"
        self.conf.write_text(TMUX_CONF)
        self.pane: ProcessRef | None = None
        self.server: ProcessRef | None = None
        self.last_screen = ""

    def __repr__(self) -> str:
        return f"TmuxSession({self.socket}, {self.width}x{self.height}, pane={self.pane})"

    def tmux(self, *args: str, env: Mapping[str, str] | None = None, check: bool = True) -> str:
        """Run one tmux command against this private server; its stdout."""
        done = subprocess.run(
            [self.binary, "-S", str(self.socket), "-f", str(self.conf), "-u", *args],
            env=dict(env) if env is not None else None, capture_output=True, text=True,
            encoding="utf-8", errors="replace", timeout=10, check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def start(self, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> None:
        """Start the server and run `argv` (exec'd directly, no shell) with exactly `env` (+ TERM)."""
        if self.pane is not None:
            raise RuntimeError("this session already runs a command")
        full_env = {k: v for k, v in env.items() if k not in _DROP_ENV}
        full_env.setdefault("LANG", "C.UTF-8")
        # argv must have at least two items: tmux runs a single string through the shell.
        command = list(argv) if len(argv) > 1 else ["env", *argv]
        self.tmux("new-session", "-d", "-s", SESSION, "-x", str(self.width), "-y", str(self.height),
                  "-c", str(cwd or Path.cwd()), *command, env=full_env)
        pane_pid, server_pid, size = self.display("#{pane_pid} #{pid} #{pane_width}x#{pane_height}").split()
        self.pane = ProcessRef(int(pane_pid))
        self.server = ProcessRef(int(server_pid))
        if size != f"{self.width}x{self.height}":
            raise RuntimeError(f"the pane is {size}, not {self.width}x{self.height}")

    def display(self, fmt: str) -> str:
        """`tmux display -p FMT` for the pane."""
        return self.tmux("display-message", "-p", "-t", SESSION, fmt).strip()

    def send_keys(self, *keys: str) -> None:
        """Keys by tmux name (`F3`, `C-q`, `Enter`, `Escape`, `PageDown`, `Down`...)."""
        self.tmux("send-keys", "-t", SESSION, *keys)

    def type_text(self, text: str) -> None:
        """Type `text` literally (no key-name lookup)."""
        self.tmux("send-keys", "-t", SESSION, "-l", text)

    def capture(self, escapes: bool = False) -> str:
        """What the pane shows now: plain text, or with `escapes` the SGR sequences too (-e)."""
        args = ["capture-pane", "-p", "-t", SESSION]
        if escapes:
            args.append("-e")
        self.last_screen = self.tmux(*args)
        return self.last_screen

    def wait_for_screen(self, predicate: Callable[[str], object], timeout: float,
                        message: str = "the screen") -> str:
        """Poll the pane until `predicate(screen)` is truthy; the screen then. Shows it on timeout."""
        def check() -> str | None:
            screen = self.capture()
            if predicate(screen):
                return screen
            if self.exited:
                raise WaitTimeout(f"the command exited ({self.exit_status}) while waiting for {message}; "
                                  f"screen:\n{screen}")
            return None

        try:
            return wait_for(check, timeout, interval=0.1, message=message)
        except WaitTimeout as error:
            raise WaitTimeout(f"{error}; screen:\n{self.last_screen}") from None

    def wait_for_text(self, text: str, timeout: float) -> str:
        """Wait until `text` is on screen; the screen then."""
        return self.wait_for_screen(lambda screen: text in screen, timeout, message=repr(text))

    @property
    def exited(self) -> bool:
        """True once the pane's command has ended and tmux has its exit status.

        tmux marks a pane dead as soon as its terminal closes; the status comes when the process is
        reaped, which can be later (a program still shutting down after restoring the terminal).
        """
        dead, _, status = self.display("#{pane_dead} #{pane_dead_status}#{pane_dead_signal}").partition(" ")
        if dead == "1" and not status:
            self._nudge_reaper()
        return dead == "1" and bool(status)

    def _nudge_reaper(self) -> None:
        """Make our tmux server reap a pane process that is already a zombie.

        Seen with tmux 3.3a: after a multi-threaded program exits, its zombie sometimes stays unreaped
        (no exit status) until the server gets another SIGCHLD. A SIGCHLD only makes tmux call
        waitpid; the server is ours (private socket), so this touches nothing else.
        """
        if self.pane is None or self.server is None or not self.server.alive:
            return
        if process_start_time(self.pane.pid) is None and Path(f"/proc/{self.pane.pid}").exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.server.pid, signal.SIGCHLD)

    @property
    def exit_status(self) -> int | None:
        """The command's exit status once it ended: -N when signal N ended it (as in subprocess), None
        while it runs."""
        if not self.exited:
            return None
        status, _, signum = self.display("#{pane_dead_status} #{pane_dead_signal}").partition(" ")
        if status.isdigit():
            return int(status)
        return -int(signum) if signum.isdigit() else None

    def wait_exit(self, timeout: float) -> int | None:
        """Wait for the command to end; its exit status. On timeout the message shows where it hangs."""
        try:
            wait_for(lambda: self.exited, timeout, interval=0.1, message="the command to exit")
        except WaitTimeout as error:
            raise WaitTimeout(f"{error}\n{self.diagnose()}") from None
        return self.exit_status

    def quit_desk(self, timeout: float) -> int | None:
        """ctrl+q; when the desk asks first (a call up or ringing, writes not sent yet), "y" quits
        anyway. The exit status."""
        self.send_keys("C-q")
        wait_for(lambda: self.exited or QUIT_QUESTION in self.capture(), timeout, interval=0.1,
                 message="the desk to quit or ask")
        if not self.exited:
            self.send_keys("y")
        return self.wait_exit(timeout)

    def diagnose(self) -> str:
        """The pane process's state and, when py-spy is installed, its Python stacks."""
        pane = self.display("pane_dead=#{pane_dead} status=#{pane_dead_status} signal=#{pane_dead_signal}")
        if self.pane is None:
            return pane
        pid = self.pane.pid
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return f"{pane}; pid {pid} is gone"
        state = " ".join(line for line in status.splitlines() if line.startswith(("State:", "PPid:")))
        report = [f"{pane}; pid {pid} {state}"]
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if Path(spy).exists() and process_start_time(pid) is not None:
            done = subprocess.run([spy, "dump", "--pid", str(pid)], capture_output=True, text=True,
                                  timeout=30, check=False)
            report.append(done.stdout[-6000:] or done.stderr[-2000:])
        return "\n".join(report)

    def close(self) -> None:
        """End the command by pid if it still runs, stop the tmux server; assert both are gone."""
        try:
            if self.pane is not None:
                self.pane.end()
            if self.server is not None and self.server.alive:
                self.tmux("kill-server", check=False)
                self.server.end()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
        leftovers = [ref for ref in (self.pane, self.server) if ref is not None and ref.alive]
        assert not leftovers, f"processes left running: {leftovers}"

