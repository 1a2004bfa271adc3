"""Shared parts of the desk benchmarks: the real backend, the real desk in a pseudo-terminal, a caller.

- `Backend`: `agent-tui server --seed demo` on a free loopback port with a throwaway SQLite file
  (started and stopped through `agent_tui.demo.stack`, so the process dies with us however we die).
- `PtyDesk`: `agent-tui desk --config FILE --user agent01 --listen 127.0.0.1:PORT` as a child process
  on a pseudo-terminal of a given size, the password in `AGENT_TUI_PASSWORD`, HOME and XDG dirs in a
  private folder. A reader thread drains the master side: it counts every byte, keeps a timestamped
  list of chunks and feeds a `pyte` screen, so a benchmark can ask "when did this text first show?".
- `Caller`: a pjsua2 `PhoneEngine` in this process on loopback that rings the desk as a seeded
  customer with the headers an IVR would add (P-Asserted-Identity, X-Customer-Id, X-Account, X-Queue).
- `pop_latencies(log)`: what the desk itself measured (INVITE seen by its softphone → card painted),
  read from the "screen pop CALL: N ms" lines it logs at INFO level.

Every process is ended by its pid (process group), never by name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import random
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx
import pyte
import wcwidth

from agent_tui.demo.stack import DemoStack, free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent
AGENT = "agent01"
PASSWORD = "demo"
QUEUES = ("power-repair", "billing", "general")
QUIT_QUESTION = "Quit anyway?"
"""What the desk asks on ctrl+q with writes not yet sent or a call up (ui/desk/app.py)."""
POP_LINE = re.compile(r"screen pop (\S+): ([0-9.]+) ms")


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile (0..1) by linear interpolation; needs at least one value."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    at = share * (len(ordered) - 1)
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def median(values: list[float]) -> float:
    """The median."""
    return float(statistics.median(values))


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.005) -> None:
    """Poll `predicate` until true; RuntimeError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.1f} s waiting for {what}")
        time.sleep(interval)  # watching other processes: nothing to block on


def _quiet(_text: str) -> None:
    pass


class Backend(contextlib.AbstractContextManager["Backend"]):
    """The reference backend with the demo seed on loopback, in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stack = DemoStack(folder, _quiet)
        self.url = ""

    def __enter__(self) -> Backend:
        self._stack.__enter__()
        try:
            self.url = self._stack.start_backend(free_port())
        except BaseException:
            self._stack.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stack.__exit__(exc_type, exc, tb)

    def customers(self, limit: int = 200) -> list[SeededCustomer]:
        """Seeded customers with a phone number (read as a demo agent)."""
        with httpx.Client(base_url=self.url, timeout=10.0) as client:
            login = client.post("/v1/sessions", json={"username": "agent20", "password": PASSWORD})
            login.raise_for_status()
            client.headers["Authorization"] = f"Bearer {login.json()['token']}"
            found: list[SeededCustomer] = []
            offset = 0
            while len(found) < limit:
                page = client.get("/v1/customers", params={"limit": 100, "offset": offset}).json()
                for item in page["items"]:
                    if item["phones"]:
                        found.append(SeededCustomer(item["id"], item["account"], item["name"],
                                                    item["phones"][0]))
                offset += len(page["items"])
                if not page["items"] or offset >= page["total"]:
                    break
            return found[:limit]


@dataclass(frozen=True)
class SeededCustomer:
    """What the caller needs of a seeded customer."""

    id: int
    account: str
    name: str
    phone: str

    def ivr_headers(self, rng: random.Random) -> dict[str, str]:
        """The headers an IVR would put on the INVITE for this caller."""
        return {
            "P-Asserted-Identity": f"<sip:{self.phone}@127.0.0.1>",
            "X-Customer-Id": str(self.id),
            "X-Account": self.account,
            "X-Queue": rng.choice(QUEUES),
        }


def write_config(folder: Path, backend_url: str | None, sip_port: int) -> Path:
    """A desk config for listen mode on loopback, logging INFO to `folder/desk.log`."""
    url = backend_url or f"http://127.0.0.1:{free_port()}"  # nobody listens: startup without a backend
    path = folder / "desk.toml"
    path.write_text(
        f'[backend]\nurl = "{url}"\nusername = "{AGENT}"\n\n'
        f'[sip]\nmode = "listen"\nlisten = "127.0.0.1:{sip_port}"\n\n'
        f'[logging]\nlevel = "INFO"\nfile = "{folder / "desk.log"}"\nsip_level = 0\n',
        encoding="utf-8",
    )
    return path


def desk_env(folder: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The desk's environment: private HOME/XDG dirs, a colour terminal, the password by variable."""
    # PYTHONDONTWRITEBYTECODE goes too: an installed desk has its bytecode cached, so should this one.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XDG_", "TMUX", "NO_COLOR", "PYTHONDONTWRITEBYTECODE"))}
    home = folder / "home"
    for sub in ("config", "data", "state", "cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    env.update({
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
        "TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "AGENT_TUI_PASSWORD": PASSWORD,
        "PYTHONPATH": str(ROOT),
    })
    env.pop("TEXTUAL", None)
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class Chunk:
    """Bytes read from the terminal at one moment (time.monotonic())."""

    at: float
    size: int


class PtyDesk(contextlib.AbstractContextManager["PtyDesk"]):
    """The real desk in a pseudo-terminal of `columns` x `rows`; see the module docstring."""

    def __init__(self, folder: Path, config: Path, sip_port: int, columns: int = 80, rows: int = 24,
                 extra_env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.extra_env = dict(extra_env or {})
        self.columns, self.rows = columns, rows
        self.argv = [sys.executable, "-m", "agent_tui.cli", "desk", "--config", str(config),
                     "--user", AGENT, "--listen", f"127.0.0.1:{sip_port}"]
        self.log_file = folder / "desk.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.total = 0
        self.chunks: list[Chunk] = []
        self._lock = threading.Lock()
        self._screen = pyte.Screen(columns, rows)
        self._stream = pyte.ByteStream(self._screen)
        self._master = -1
        self._reader: threading.Thread | None = None
        self._stop_reading = threading.Event()

    def __enter__(self) -> PtyDesk:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.columns, 0, 0))
        self._master = master

        def controlling_tty() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            self.argv, stdin=slave, stdout=slave, stderr=slave, env=desk_env(self.folder, self.extra_env),
            cwd=ROOT, preexec_fn=controlling_tty, close_fds=True,
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        while not self._stop_reading.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            now = time.monotonic()
            with self._lock:
                self.total += len(data)
                self.chunks.append(Chunk(now, len(data)))
                self._stream.feed(data)

    def text(self) -> str:
        """The screen as plain text, one line per row."""
        with self._lock:
            return screen_text(self._screen)

    def wait_text(self, needle: str | Callable[[str], bool], timeout: float) -> float:
        """Wait until the screen shows `needle` (or the predicate holds); the time of that chunk."""
        check = needle if callable(needle) else (lambda screen: needle in screen)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                screen = screen_text(self._screen)
                last = self.chunks[-1].at if self.chunks else self.started_at
            if check(screen):
                return last
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"the desk exited with {self.proc.returncode}:\n{screen}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out after {timeout:.1f} s waiting for {needle!r}:\n{screen}")
            time.sleep(0.002)  # the reader thread feeds the screen; polling it is cheap

    def bytes_between(self, start: float, end: float) -> int:
        """Bytes read from the terminal in [start, end)."""
        with self._lock:
            return sum(c.size for c in self.chunks if start <= c.at < end)

    def wait_quiet(self, quiet_s: float, timeout: float) -> float:
        """Wait until nothing was written for `quiet_s`; the time of the last chunk."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                last = self.chunks[-1].at if self.chunks else self.started_at
            now = time.monotonic()
            if now - last >= quiet_s:
                return last
            if now > deadline:
                raise RuntimeError(f"the desk kept writing for {timeout:.1f} s")
            time.sleep(0.01)

    def rss_bytes(self) -> int:
        """Resident set size of the desk process (VmRSS)."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        """User + system CPU time the desk process has used so far (all its threads)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def thread_cpu_seconds(self) -> dict[int, tuple[str, float]]:
        """User + system CPU time of each of the desk's threads so far: thread id → (name, seconds).

        pjsua2's threads have names of their own ("media", "clock"); Python's are all "python" here
        (Python 3.11 names no OS thread), and the desk's main thread is the one whose id is the pid."""
        assert self.proc is not None
        found: dict[int, tuple[str, float]] = {}
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            try:
                stat = (task / "stat").read_text()
            except OSError:  # the thread ended meanwhile
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat.rsplit(")", 1)[1].split()
            found[int(task.name)] = (name, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
        return found

    def pop_latencies(self) -> dict[str, float]:
        """The desk's own pop latencies so far, by its call id."""
        return pop_latencies(self.log_file)

    def quit(self, timeout: float) -> int | None:
        """ctrl+q, the desk's own quit; when it asks first (writes not yet sent, a call up), "y". The
        exit status (None: it did not end in time)."""
        proc = self.proc
        assert proc is not None
        with contextlib.suppress(OSError):
            os.write(self._master, b"\x11")
        deadline = time.monotonic() + timeout
        with contextlib.suppress(RuntimeError):  # no question and no exit in time: waited on below
            self.wait_text(lambda screen: proc.poll() is not None or QUIT_QUESTION in screen, timeout)
        if proc.poll() is None and QUIT_QUESTION in self.text():
            with contextlib.suppress(OSError):
                os.write(self._master, b"y")
        try:
            return proc.wait(timeout=max(deadline - time.monotonic(), 1.0))
        except subprocess.TimeoutExpired:
            return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None and self.quit(10) is None:
            stop_process(proc)  # the desk's own quit (so it shuts down cleanly) did not end it
        self._stop_reading.set()
        if self._reader is not None:
            self._reader.join(timeout=2)
        with contextlib.suppress(OSError):
            os.close(self._master)


def screen_text(screen: pyte.Screen) -> str:
    """The screen as plain text, one line per row (wide characters once each).

    pyte's own `display` fails on the empty cell a wide character leaves behind once the wide
    character itself has been overwritten; such a cell reads as a space here.
    """
    lines = []
    for y in range(screen.lines):
        row = screen.buffer[y]
        cells: list[str] = []
        skip = False
        for x in range(screen.columns):
            data = row[x].data
            if skip and not data:
                skip = False
                continue
            skip = False
            cells.append(data or " ")
            if data and wcwidth.wcwidth(data[0]) == 2:
                skip = True
        lines.append("".join(cells))
    return "\n".join(lines)


def pop_latencies(log_file: Path) -> dict[str, float]:
    """`call id → ms` from the desk's log lines "screen pop CALL: N ms"."""
    if not log_file.exists():
        return {}
    found: dict[str, float] = {}
    for line in log_file.read_text(encoding="utf-8", errors="replace").splitlines():
        match = POP_LINE.search(line)
        if match:
            found[match.group(1)] = float(match.group(2))
    return found


CANCELLED_CODE = 487
"""The desk's answer to a ringing INVITE the caller cancelled (Request Terminated)."""


class Caller(contextlib.AbstractContextManager["Caller"]):
    """A pjsua2 phone in this process on loopback that rings the desk (the engine `agent-tui bot` runs)."""

    def __init__(self) -> None:
        from agent_tui.phone.engine import PhoneEngine
        from agent_tui.phone.options import EngineOptions

        self.events: queue.Queue[object] = queue.Queue()
        self.engine = PhoneEngine(EngineOptions(listen=("127.0.0.1", 0)))
        self.engine.set_listener(self.events.put)

    def __enter__(self) -> Caller:
        self.engine.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.engine.stop()

    def dial(self, target: str, headers: dict[str, str]) -> tuple[str, float]:
        """Ring `target`; the engine's call id and the time the dial was asked for."""
        at = time.monotonic()
        return str(self.engine.make_call(target, headers)), at

    def hang_up(self, call_id: str, timeout: float = 10.0) -> None:
        """Hang up (CANCEL while ringing) and wait for the call to end with the desk's 487.

        Any other end means the desk never got the CANCEL and still rings (until its ring timeout): say
        so here, with the reason, rather than as a screen that "still shows Ringing" a wait later. (A
        TCP connection cut by the desk's network-change recovery ended calls with 503 "End of file".)
        """
        from agent_tui.phone.events import CallEnded

        self.engine.hangup(call_id)
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self.events.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty as empty:
                raise RuntimeError(f"call {call_id} did not end within {timeout:.0f} s") from empty
            if isinstance(event, CallEnded) and event.call_id == call_id:
                if event.code != CANCELLED_CODE:
                    raise RuntimeError(f"call {call_id} ended with {event.code} {event.reason!r}, not the "
                                       f"desk's {CANCELLED_CODE}: the CANCEL did not reach the desk")
                return


@contextlib.contextmanager
def desk_stack(folder: Path, columns: int = 80, rows: int = 24,
               extra_env: dict[str, str] | None = None) -> Iterator[tuple[Backend, PtyDesk, str]]:
    """Backend + desk logged in and painted; yields them and the desk's SIP URI.

    `extra_env` is added to the desk's environment (for experiments such as TEXTUAL_FPS).
    """
    with Backend(folder) as backend:
        sip_port = free_port(kind=2)  # SOCK_DGRAM
        config = write_config(folder, backend.url, sip_port)
        with PtyDesk(folder, config, sip_port, columns, rows, extra_env) as desk:
            desk.wait_text(is_ready, 60)
            yield backend, desk, f"sip:{AGENT}@127.0.0.1:{sip_port}"


def is_ready(screen: str) -> bool:
    """The desk is up: logged in, phone listening, agent state shown on the status bar.

    The desk starts its phone only after the backend accepted the login, so "SIP ok" on the status
    bar means both. (The backend link cell is not required: it reflects the outbox's last write.)
    """
    top = screen.splitlines()[0] if screen else ""
    return "SIP ok" in top and "Not Ready" in top


def card_shown(account: str) -> Callable[[str], bool]:
    """A screen predicate: the ringing banner and the card of the customer with `account` are up."""

    def check(screen: str) -> bool:
        return f"Account: {account}" in screen and "Ringing" in screen

    return check


def no_ringing(screen: str) -> bool:
    """A screen predicate: no call is ringing."""
    return "Ringing" not in screen


def env_pair(text: str) -> tuple[str, str]:
    """`NAME=VALUE` → (NAME, VALUE), for `--desk-env` options."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def install_sigterm_exit() -> None:
    """Turn SIGTERM into SystemExit, so context managers stop the children on the way out."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
