"""Real SIP peers for tests: a Kamailio registrar/proxy, SIPp scenarios and a headless baresip.

Every peer listens on 127.0.0.1 on a free port, writes its config and logs under the test's tmp
folder, runs in its own process group (so the whole group is signalled by its pgid, never by name)
and is stopped by the fixture, which asserts that nothing of it is left running.

Use the fixtures from a conftest: `from tests.support.sip_peers import kamailio, sipp, baresip_factory`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from tests.support.peers import require_binary
from tests.support.waiting import WaitTimeout, wait_for

SIP_DIR = Path(__file__).resolve().parent.parent / "sip"
LOOPBACK = "127.0.0.1"
Transport = Literal["udp", "tcp"]


def password_of(user: str) -> str:
    """The digest password the test Kamailio expects for `user` (test data, not a secret)."""
    return f"secret-{user}"


def free_port(host: str = LOOPBACK) -> int:
    """A port free for both UDP and TCP on `host` right now (bind port 0, then check the other protocol)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both UDP and TCP")


def free_udp_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """`count` distinct UDP ports free right now (for RTP ranges and such)."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((host, 0))
            socks.append(sock)
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


# --------------------------------------------------------------------------------------------------
# Process groups


def group_members(pgid: int) -> list[int]:
    """Pids of live (not zombie) processes in process group `pgid`, read from /proc."""
    members: list[int] = []
    for stat_path in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat_path).read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name is in parentheses and may contain spaces: split after the last ')'.
        fields = text[text.rfind(")") + 2 :].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            members.append(int(Path(stat_path).parent.name))
    return members


def signal_group(pgid: int, sig: signal.Signals) -> None:
    """Send `sig` to every process of group `pgid` (ignored when the group is already gone)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_group(proc: subprocess.Popen[Any], pgid: int, grace: float = 5.0) -> None:
    """SIGTERM the group, wait for it to empty; SIGKILL what is left after `grace` seconds."""
    signal_group(pgid, signal.SIGTERM)
    try:
        wait_for(lambda: proc.poll() is not None and not group_members(pgid), grace, message="group exit")
    except WaitTimeout:
        signal_group(pgid, signal.SIGKILL)
        wait_for(lambda: proc.poll() is not None and not group_members(pgid), 5.0, message="group kill")


def kill_group(proc: subprocess.Popen[Any], pgid: int) -> None:
    """SIGKILL the whole group at once (a crash, as seen from the network) and wait until it is gone."""
    signal_group(pgid, signal.SIGKILL)
    wait_for(lambda: proc.poll() is not None and not group_members(pgid), 5.0, message="group kill")


# --------------------------------------------------------------------------------------------------
# Minimal SIP over UDP (readiness and health checks)


def sip_options(host: str, port: int, timeout: float = 1.0, transport: Transport = "udp") -> int | None:
    """Send one OPTIONS to sip:host:port and return the reply's status code (None when no reply in time)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        try:
            if transport == "tcp":
                s.connect((host, port))
            else:
                s.bind((LOOPBACK, 0))
            lport = int(s.getsockname()[1])
            branch = "z9hG4bK" + uuid.uuid4().hex[:16]
            request = (
                f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
                f"Via: SIP/2.0/{transport.upper()} {LOOPBACK}:{lport};branch={branch};rport\r\n"
                "Max-Forwards: 70\r\n"
                f"From: <sip:probe@{LOOPBACK}>;tag={uuid.uuid4().hex[:8]}\r\n"
                f"To: <sip:{host}:{port}>\r\n"
                f"Call-ID: {uuid.uuid4().hex}@{LOOPBACK}\r\n"
                "CSeq: 1 OPTIONS\r\n"
                f"Contact: <sip:probe@{LOOPBACK}:{lport}>\r\n"
                "Content-Length: 0\r\n\r\n"
            ).encode()
            if transport == "tcp":
                s.sendall(request)
            else:
                s.sendto(request, (host, port))
            data = s.recv(65535)
        except OSError:  # refused, timed out, reset
            return None
    first = data.split(b"\r\n", 1)[0].decode("ascii", "replace").split()
    if len(first) >= 2 and first[0] == "SIP/2.0" and first[1].isdigit():
        return int(first[1])
    return None


# --------------------------------------------------------------------------------------------------
# Kamailio


def kamailio_module_dir() -> str:
    """Where Debian put Kamailio's modules (multiarch folder first)."""
    for candidate in [*sorted(glob.glob("/usr/lib/*/kamailio/modules")), "/usr/lib/kamailio/modules"]:
        if os.path.isfile(os.path.join(candidate, "tm.so")):
            return candidate + "/"
    raise RuntimeError("Kamailio modules not found under /usr/lib")


class Kamailio:
    """A Kamailio registrar + proxy on 127.0.0.1:`port`, UDP and TCP, digest auth (password `secret-U`).

    The port is fixed at construction, so `restart()` comes back on the same address.
    """

    def __init__(self, binary: str, workdir: Path, port: int | None = None, domain: str = LOOPBACK) -> None:
        self.binary = binary
        self.workdir = workdir
        self.host = LOOPBACK
        self.port = port if port is not None else free_port()
        self.domain = domain
        self.config_path = workdir / "kamailio.cfg"
        self.pid_path = workdir / "kamailio.pid"
        self.log_path = workdir / "kamailio.log"
        self.rundir = workdir / "run"
        self.proc: subprocess.Popen[bytes] | None = None
        self.pgid: int | None = None
        self.start_seconds: float | None = None  # how long the last start took until it answered
        self.starts = 0
        self.pgids: list[int] = []  # every group this instance started, for the leftover check

    def __repr__(self) -> str:
        return f"Kamailio({self.host}:{self.port}, pid={self.pid})"

    @property
    def pid(self) -> int | None:
        """The main process's pid while started."""
        return self.proc.pid if self.proc is not None else None

    @property
    def running(self) -> bool:
        """True while the main process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def uri(self, user: str | None = None, transport: Transport | None = None) -> str:
        """`sip:user@host:port` (or the registrar's own URI without a user), with `;transport=` if given."""
        who = f"{user}@" if user else ""
        suffix = f";transport={transport}" if transport else ""
        return f"sip:{who}{self.host}:{self.port}{suffix}"

    def password(self, user: str) -> str:
        """The password Kamailio accepts for `user`."""
        return password_of(user)

    def write_config(self) -> Path:
        """Fill tests/sip/kamailio.cfg.in for this instance."""
        self.rundir.mkdir(parents=True, exist_ok=True)
        text = (SIP_DIR / "kamailio.cfg.in").read_text()
        for key, value in {
            "HOST": self.host,
            "PORT": str(self.port),
            "DOMAIN": self.domain,
            "RUNDIR": str(self.rundir.resolve()),
            "MPATH": kamailio_module_dir(),
        }.items():
            text = text.replace(f"@{key}@", value)
        self.config_path.write_text(text)
        return self.config_path

    def start(self, timeout: float = 10.0) -> None:
        """Start and wait until it answers OPTIONS over UDP and accepts TCP."""
        if self.running:
            raise RuntimeError("Kamailio is already running")
        self.write_config()
        self.pid_path.unlink(missing_ok=True)
        began = time.monotonic()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "-DD", "-E", "-f", str(self.config_path), "-P", str(self.pid_path.resolve())],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() signals the group by pgid
            )
        self.pgid = self.proc.pid
        self.pgids.append(self.pgid)
        self.starts += 1
        try:
            wait_for(self._answers, timeout, interval=0.05, message=f"Kamailio on port {self.port}")
        except WaitTimeout:
            log_tail = self.log_text()[-3000:]
            self.kill()
            where = f"{self.host}:{self.port}"
            raise WaitTimeout(f"Kamailio did not come up on {where}; log:\n{log_tail}") from None
        self.start_seconds = time.monotonic() - began

    def _answers(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(
                f"Kamailio exited with {self.proc.returncode} while starting; log:\n{self.log_text()[-3000:]}"
            )
        return sip_options(self.host, self.port, timeout=0.2) == 200 and self.tcp_accepts()

    def tcp_accepts(self) -> bool:
        """True when the TCP listener accepts a connection."""
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def options(self, transport: Transport = "udp", timeout: float = 1.0) -> int | None:
        """An OPTIONS ping to the registrar; the status code or None."""
        return sip_options(self.host, self.port, timeout=timeout, transport=transport)

    def stop(self) -> None:
        """SIGTERM the process group and wait until every Kamailio process is gone."""
        if self.proc is not None and self.pgid is not None:
            stop_group(self.proc, self.pgid)
        self.proc = None

    def kill(self) -> None:
        """SIGKILL the whole group at once: the registrar dies without a word (dead-registrar tests)."""
        if self.proc is not None and self.pgid is not None:
            kill_group(self.proc, self.pgid)
        self.proc = None

    def restart(self, timeout: float = 10.0) -> None:
        """Stop (if running) and start again on the same port; registrations are lost (no database)."""
        self.stop()
        self.start(timeout)

    def log_text(self) -> str:
        """Kamailio's log so far (stderr with -E)."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def leftover_pids(self) -> list[int]:
        """Processes of this instance still alive (should be empty after stop/kill)."""
        return [pid for pgid in self.pgids for pid in group_members(pgid)]


@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[Kamailio]:
    """A started Kamailio for one test; stopped by pgid afterwards, asserting no process is left."""
    binary = require_binary("kamailio", "kamailio")
    workdir = tmp_path / "kamailio"
    workdir.mkdir()
    server = Kamailio(binary, workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    leftovers = server.leftover_pids()
    assert not leftovers, f"Kamailio processes left running: {leftovers}"
