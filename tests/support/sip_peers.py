"""Real SIP peers for tests: a Kamailio registrar/proxy, SIPp scenarios and a headless baresip.

Every peer listens on 127.0.0.1 on a free port, writes its config and logs under the test's tmp
folder, runs in its own process group (so the whole group is signalled by its pgid, never by name)
and is stopped by the fixture, which asserts that nothing of it is left running.

Use the fixtures from a conftest: `from tests.support.sip_peers import kamailio, sipp, baresip_factory`.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from tests.support.peers import require_binary
from tests.support.waiting import JsonLineReader, WaitTimeout, wait_for

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

    @property
    def address(self) -> str:
        """host:port (what SIPp takes as its target)."""
        return f"{self.host}:{self.port}"

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
            "ALIAS": "" if self.domain == self.host else f'alias="{self.domain}:{self.port}"',
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


# --------------------------------------------------------------------------------------------------
# SIPp


@dataclass
class SippResult:
    """What one SIPp run left behind: exit code (0 = every call passed), logs, timings."""

    returncode: int
    elapsed: float
    rundir: Path
    output: str
    errors: str
    messages: str
    stats: dict[str, str] = field(default_factory=dict)
    rtt_ms: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """SIPp's own verdict: 0 means all calls completed as the scenario says."""
        return self.returncode == 0

    def explain(self) -> str:
        """A failure message with the tail of SIPp's error log and output."""
        return (
            f"sipp exited {self.returncode} after {self.elapsed:.2f} s in {self.rundir}\n"
            f"errors:\n{self.errors[-3000:]}\noutput:\n{self.output[-2000:]}"
        )

    def responses(self) -> list[int]:
        """Status codes of the SIP responses SIPp received, in order (from the message trace)."""
        codes: list[int] = []
        expect_first_line = False
        for line in self.messages.splitlines():
            if "message received" in line:
                expect_first_line = True
                continue
            if expect_first_line and line.strip():
                expect_first_line = False
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "SIP/2.0" and parts[1].isdigit():
                    codes.append(int(parts[1]))
        return codes

    def requests_received(self) -> list[str]:
        """Methods of the SIP requests SIPp received, in order."""
        methods: list[str] = []
        expect_first_line = False
        for line in self.messages.splitlines():
            if "message received" in line:
                expect_first_line = True
                continue
            if expect_first_line and line.strip():
                expect_first_line = False
                parts = line.split()
                if len(parts) == 3 and parts[2] == "SIP/2.0":
                    methods.append(parts[0])
        return methods

    def received_text(self) -> str:
        """Every received message, as SIPp logged it (to look for headers such as Refer-To)."""
        chunks: list[str] = []
        keep = False
        for line in self.messages.splitlines():
            if line.startswith("----"):
                keep = False
            if "message received" in line:
                keep = True
            if keep:
                chunks.append(line)
        return "\n".join(chunks)


class SippRun:
    """A SIPp process running in the background (a UAS, or a UAC whose result is awaited later)."""

    def __init__(self, proc: subprocess.Popen[bytes], rundir: Path, port: int, began: float) -> None:
        self.proc = proc
        self.pgid = proc.pid
        self.rundir = rundir
        self.port = port
        self.host = LOOPBACK
        self._began = began
        self.result: SippResult | None = None

    @property
    def address(self) -> str:
        """host:port where this SIPp listens for SIP."""
        return f"{self.host}:{self.port}"

    def wait(self, timeout: float) -> SippResult:
        """Wait for SIPp to finish its calls; kill it and fail when it does not within `timeout`."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(self.proc, self.pgid)
            self.result = _collect(self.proc, self.rundir, self._began)
            raise WaitTimeout(
                f"sipp did not finish within {timeout:.1f} s\n{self.result.explain()}"
            ) from None
        wait_for(lambda: not group_members(self.pgid), 5.0, message="sipp group exit")
        self.result = _collect(self.proc, self.rundir, self._began)
        return self.result

    def stop(self) -> SippResult:
        """End it early: SIGUSR1 (SIPp's graceful quit), then the group stop with SIGTERM/SIGKILL."""
        if self.proc.poll() is None:
            signal_group(self.pgid, signal.SIGUSR1)
            with contextlib.suppress(WaitTimeout):
                wait_for(lambda: self.proc.poll() is not None, 3.0, message="sipp graceful quit")
        stop_group(self.proc, self.pgid)
        self.result = _collect(self.proc, self.rundir, self._began)
        return self.result


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def _collect(proc: subprocess.Popen[bytes], rundir: Path, began: float) -> SippResult:
    """Read the files a finished SIPp left in its run folder."""
    stats: dict[str, str] = {}
    stat_text = _read(rundir / "stats.csv")
    rows = [row for row in stat_text.splitlines() if row.strip()]
    if len(rows) >= 2:
        stats = dict(zip(rows[0].split(";"), rows[-1].split(";"), strict=False))
    rtt: list[float] = []
    for rtt_file in rundir.glob("*_rtt.csv"):
        for row in _read(rtt_file).splitlines()[1:]:
            cells = row.split(";")
            # Columns: Date_ms;response_time_ms;rtd_no (one row per measured rtd)
            if len(cells) >= 2:
                with contextlib.suppress(ValueError):
                    rtt.append(float(cells[1]))
    return SippResult(
        returncode=proc.returncode if proc.returncode is not None else -999,
        elapsed=time.monotonic() - began,
        rundir=rundir,
        output=_read(rundir / "stdout.log"),
        errors=_read(rundir / "errors.log"),
        messages=_read(rundir / "messages.log"),
        stats=stats,
        rtt_ms=rtt,
    )


class Sipp:
    """Runs SIPp scenarios from tests/sip on 127.0.0.1, each run in its own folder under `workdir`.

    Keys given in `keys` become `[name]` in the scenario (`sipp -key name value`); a str with
    surrogate escapes (e.g. `b"\\xff".decode("utf-8", "surrogateescape")`) reaches SIPp as raw bytes.
    """

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.runs: list[SippRun] = []

    def _prepare(self, scenario: str) -> tuple[Path, Path]:
        rundir = self.workdir / f"sipp-{len(self.runs) + 1:03d}-{Path(scenario).stem}"
        rundir.mkdir(parents=True)
        source = Path(scenario) if os.path.isabs(scenario) else SIP_DIR / scenario
        # A copy next to the logs: SIPp names some trace files after the scenario's path.
        copy = rundir / source.name
        copy.write_bytes(source.read_bytes())
        return rundir, copy

    def command(
        self,
        scenario_path: Path,
        rundir: Path,
        target: str | None,
        *,
        port: int,
        service: str = "agent",
        calls: int = 1,
        rate: float = 10.0,
        limit: int = 1,
        duration_ms: int = 500,
        transport: Transport = "udp",
        keys: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        recv_timeout_ms: int = 10_000,
        global_timeout_s: float = 60.0,
        extra: list[str] | None = None,
    ) -> list[str]:
        """The argv for one SIPp run (exposed so tests and benchmarks can inspect or extend it)."""
        media_port = free_udp_ports(1)[0]
        argv = [self.binary]
        if target is not None:
            argv.append(target)
        argv += ["-sf", str(scenario_path), "-i", LOOPBACK, "-p", str(port), "-mi", LOOPBACK]
        argv += ["-mp", str(media_port), "-t", "u1" if transport == "udp" else "t1", "-s", service]
        argv += ["-m", str(calls), "-r", f"{rate:g}", "-l", str(limit), "-d", str(duration_ms)]
        argv += ["-nostdin", "-recv_timeout", str(recv_timeout_ms)]
        argv += ["-timeout", f"{global_timeout_s:g}s", "-timeout_error"]
        argv += ["-trace_err", "-error_file", str(rundir / "errors.log")]
        argv += ["-trace_msg", "-message_file", str(rundir / "messages.log")]
        argv += ["-trace_stat", "-stf", str(rundir / "stats.csv"), "-trace_rtt", "-rtt_freq", "1"]
        if auth is not None:
            argv += ["-au", auth[0], "-ap", auth[1]]
        for name, value in (keys or {}).items():
            argv += ["-key", name, value]
        argv += extra or []
        return argv

    def start(
        self, scenario: str, target: str | None = None, *, port: int | None = None, **options: Any
    ) -> SippRun:
        """Start SIPp in the background (own process group, stdout to a file)."""
        rundir, scenario_path = self._prepare(scenario)
        port = port if port is not None else free_port()
        argv = self.command(scenario_path, rundir, target, port=port, **options)
        (rundir / "argv.txt").write_text(repr(argv))
        began = time.monotonic()
        with (rundir / "stdout.log").open("wb") as out:
            proc = subprocess.Popen(
                argv,
                cwd=rundir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        run = SippRun(proc, rundir, port, began)
        self.runs.append(run)
        return run

    def run(
        self, scenario: str, target: str | None = None, *, timeout: float = 30.0, **options: Any
    ) -> SippResult:
        """Run SIPp to the end (blocking, with a deadline) and return its result."""
        options.setdefault("global_timeout_s", timeout)
        return self.start(scenario, target, **options).wait(timeout + 5.0)

    def uac(self, target: str, scenario: str = "uac_basic.xml", **options: Any) -> SippResult:
        """Place call(s) to `target` (host:port) with a UAC scenario; keys default to a plain IVR call."""
        keys = dict(DEFAULT_UAC_KEYS)
        keys.update(options.pop("keys", None) or {})
        return self.run(scenario, target, keys=keys, **options)

    def start_uac(self, target: str, scenario: str = "uac_basic.xml", **options: Any) -> SippRun:
        """Like `uac` but in the background: `.wait(timeout)` for the result."""
        keys = dict(DEFAULT_UAC_KEYS)
        keys.update(options.pop("keys", None) or {})
        return self.start(scenario, target, keys=keys, **options)

    def uas(self, scenario: str = "uas_basic.xml", calls: int = 1, **options: Any) -> SippRun:
        """A SIPp callee listening on a free port (see `.address`); ends after `calls` calls."""
        return self.start(scenario, None, calls=calls, **options)

    def register(
        self,
        registrar: str,
        user: str,
        password: str,
        *,
        contact_port: int,
        expires: int = 60,
        transport: Transport = "udp",
        timeout: float = 10.0,
    ) -> SippResult:
        """REGISTER `user` at `registrar` (host:port) with digest auth, Contact at 127.0.0.1:contact_port."""
        keys = {
            "user": user,
            "contact_host": LOOPBACK,
            "contact_port": str(contact_port),
            "expires": str(expires),
        }
        return self.run(
            "uac_register.xml",
            registrar,
            keys=keys,
            auth=(user, password),
            transport=transport,
            timeout=timeout,
        )

    def stop_all(self) -> None:
        """Stop every run still going (fixture teardown)."""
        for run in self.runs:
            if run.proc.poll() is None or group_members(run.pgid):
                run.stop()

    def leftover_pids(self) -> list[int]:
        """SIPp processes of this fixture still alive."""
        return [pid for run in self.runs for pid in group_members(run.pgid)]


DEFAULT_UAC_KEYS: dict[str, str] = {
    "display": "Wang Fang",
    "caller": "13800138000",
    "customer_id": "C-1001",
    "account": "ACC-42",
    "queue": "repairs",
}


@pytest.fixture
def sipp(tmp_path: Path) -> Iterator[Sipp]:
    """A SIPp runner for one test; every run is stopped by pgid afterwards and none may be left."""
    binary = require_binary("sipp", "sip-tester")
    runner = Sipp(binary, tmp_path / "sipp")
    runner.workdir.mkdir()
    try:
        yield runner
    finally:
        runner.stop_all()
    leftovers = runner.leftover_pids()
    assert not leftovers, f"SIPp processes left running: {leftovers}"


# --------------------------------------------------------------------------------------------------
# baresip


def free_port_pair(host: str = LOOPBACK) -> int:
    """A port p with p (UDP+TCP) and p+1 (TCP) free: baresip takes p+1 for SIP over TLS."""
    for _ in range(50):
        port = free_port(host)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tls:
            try:
                tls.bind((host, port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port pair for baresip")


class Baresip:
    """A headless baresip: sine tone source, sound dumped to WAV (sndfile), driven over ctrl_tcp.

    Events (netstring JSON from ctrl_tcp) are collected in `events`; `wait_event("CALL_ESTABLISHED")`
    waits for one with a deadline. With a `registrar` the account registers there (password
    `secret-USER`), else it takes calls addressed to `uri` directly.
    """

    def __init__(
        self,
        binary: str,
        workdir: Path,
        user: str = "carol",
        *,
        registrar: Kamailio | None = None,
        transport: Transport = "udp",
        answer: Literal["auto", "manual"] = "auto",
        tone_hz: int = 1000,
    ) -> None:
        self.binary = binary
        self.workdir = workdir
        self.user = user
        self.registrar = registrar
        self.transport = transport
        self.answer = answer
        self.tone_hz = tone_hz
        self.host = LOOPBACK
        self.sip_port = free_port_pair()
        self.ctrl_port = free_port()
        self.config_dir = workdir / "config"
        self.sound_dir = workdir / "sound"
        self.log_path = workdir / "baresip.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.pgid: int | None = None
        self.events: list[dict[str, Any]] = []
        self._responses: dict[str, dict[str, Any]] = {}
        self._lock = threading.Condition()
        self._sock: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._token = 0

    def __repr__(self) -> str:
        return f"Baresip({self.uri}, pid={self.proc.pid if self.proc else None})"

    @property
    def uri(self) -> str:
        """Where to call this baresip directly."""
        return f"sip:{self.user}@{self.host}:{self.sip_port}"

    @property
    def aor(self) -> str:
        """The account's address of record (at the registrar when there is one)."""
        if self.registrar is not None:
            return f"sip:{self.user}@{self.registrar.host}:{self.registrar.port}"
        return self.uri

    def write_config(self) -> None:
        """config + accounts in a fresh folder (baresip -f)."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.sound_dir.mkdir(parents=True, exist_ok=True)
        rtp_low = free_udp_ports(1)[0] & ~1
        lines = {
            "poll_method": "epoll",
            "sip_listen": f"{self.host}:{self.sip_port}",
            "rtp_ports": f"{rtp_low}-{rtp_low + 40}",
            # Without 48 kHz stereo the sine source's format is refused and the call drops after answer.
            "ausrc_srate": "48000",
            "ausrc_channels": "2",
            "audio_source": f"ausine,{self.tone_hz}",
            "audio_player": "aubridge,sink",
            "audio_alert": "aubridge,sink",
            "module_path": "/usr/lib/baresip/modules",
            "ctrl_tcp_listen": f"{self.host}:{self.ctrl_port}",
            "snd_path": str(self.sound_dir),
        }
        text = [f"{key}\t\t{value}" for key, value in lines.items()]
        text += [f"module\t\t{name}" for name in ("g711.so", "ausine.so", "aubridge.so", "sndfile.so")]
        text += [f"module_app\t\t{name}" for name in ("account.so", "menu.so", "ctrl_tcp.so")]
        (self.config_dir / "config").write_text("\n".join(text) + "\n")
        params = f";answermode={self.answer};audio_codecs=PCMA,PCMU"
        if self.registrar is not None:
            account = (
                f"<sip:{self.user}@{self.registrar.host}:{self.registrar.port};transport={self.transport}>"
                f";auth_pass={password_of(self.user)};regint=60{params}"
            )
        else:
            account = (
                f"<sip:{self.user}@{self.host}:{self.sip_port};transport={self.transport}>;regint=0{params}"
            )
        (self.config_dir / "accounts").write_text(account + "\n")
        (self.config_dir / "contacts").write_text("")

    def start(self, timeout: float = 10.0) -> None:
        """Start baresip, connect to ctrl_tcp, and (with a registrar) wait for REGISTER_OK."""
        self.write_config()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "-f", str(self.config_dir)],
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pgid = self.proc.pid
        self._sock = wait_for(self._connect, timeout, interval=0.05, message="baresip ctrl_tcp")
        self._reader = threading.Thread(target=self._pump, daemon=True, name="baresip-ctrl")
        self._reader.start()
        if self.registrar is not None:
            # REGISTER_OK may come before ctrl_tcp is connected: ask for the status instead.
            wait_for(self.registered, timeout, interval=0.05, message=f"{self.user} registered")

    def registered(self) -> bool:
        """True when `reginfo` reports the account registered (baresip prints OK for it)."""
        data = str(self.command("reginfo").get("data", ""))
        return "OK " in data  # coloured: "\x1b[32mOK \x1b[;m"

    def _connect(self) -> socket.socket | None:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"baresip exited with {self.proc.returncode}; log:\n{self.log_text()[-3000:]}")
        try:
            return socket.create_connection((self.host, self.ctrl_port), timeout=0.5)
        except OSError:
            return None

    def _pump(self) -> None:
        """Split the ctrl_tcp stream into netstrings; file events and responses."""
        assert self._sock is not None
        self._sock.settimeout(None)
        buffer = b""
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            while b":" in buffer:
                size_text, rest = buffer.split(b":", 1)
                if not size_text.isdigit() or len(rest) < int(size_text) + 1:
                    break
                size = int(size_text)
                payload, buffer = rest[:size], rest[size + 1 :]
                try:
                    message = json.loads(payload)
                except ValueError:
                    continue
                with self._lock:
                    if message.get("event"):
                        self.events.append(message)
                    elif "token" in message:
                        self._responses[str(message["token"])] = message
                    self._lock.notify_all()
        with self._lock:
            self.events.append({"event": True, "type": "CTRL_CLOSED"})
            self._lock.notify_all()

    def command(self, name: str, params: str = "", timeout: float = 5.0) -> dict[str, Any]:
        """Send a ctrl_tcp command and wait for its response."""
        if self._sock is None:
            raise RuntimeError("baresip is not started")
        self._token += 1
        token = f"t{self._token}"
        payload = json.dumps({"command": name, "params": params, "token": token}).encode()
        self._sock.sendall(str(len(payload)).encode() + b":" + payload + b",")
        deadline = time.monotonic() + timeout
        with self._lock:
            while token not in self._responses:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(f"baresip did not answer {name!r} within {timeout} s")
                self._lock.wait(remaining)
            return self._responses.pop(token)

    def wait_event(
        self, kind: str, timeout: float = 10.0, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        """The first event of type `kind` (already seen or coming) matching `where`, with a deadline."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for event in self.events:
                    if event.get("type") == kind and (where is None or where(event)):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [event.get("type") for event in self.events]
                    raise WaitTimeout(f"baresip: no {kind} within {timeout} s; events so far: {seen}")
                self._lock.wait(remaining)

    def dial(self, uri: str) -> dict[str, Any]:
        """Call `uri` (the response comes at once; wait for CALL_ESTABLISHED or CALL_CLOSED)."""
        return self.command("dial", uri)

    def accept(self) -> dict[str, Any]:
        """Answer the ringing call (answer="manual")."""
        return self.command("accept")

    def hangup(self) -> dict[str, Any]:
        """Hang up the current call."""
        return self.command("hangup")

    def recordings(self) -> dict[str, Path]:
        """The WAVs the sndfile module wrote, by direction: "enc" (sent) and "dec" (received)."""
        found: dict[str, Path] = {}
        for path in sorted(self.sound_dir.glob("*.wav")):
            for direction in ("enc", "dec"):
                if path.stem.endswith(direction):
                    found[direction] = path
        return found

    def recorded_seconds(self, direction: Literal["enc", "dec"]) -> float:
        """Seconds of audio in the dump for `direction` so far (from its size: 8 kHz 16-bit mono)."""
        path = self.recordings().get(direction)
        if path is None:
            return 0.0
        with contextlib.suppress(OSError):
            return max(0, path.stat().st_size - 44) / 16000.0
        return 0.0

    def quit(self, timeout: float = 5.0) -> None:
        """Stop with the `quit` command (baresip may ignore SIGTERM after a call), else by pgid."""
        if self.proc is None or self.pgid is None:
            return
        if self.proc.poll() is None and self._sock is not None:
            with contextlib.suppress(OSError, WaitTimeout):
                self.command("quit", timeout=2.0)
            with contextlib.suppress(WaitTimeout):
                wait_for(
                    lambda: self.proc is not None and self.proc.poll() is not None, timeout, message="quit"
                )
        stop_group(self.proc, self.pgid, grace=2.0)
        if self._sock is not None:
            self._sock.close()
        if self._reader is not None:
            self._reader.join(2.0)

    def log_text(self) -> str:
        """baresip's console output so far."""
        return _read(self.log_path)

    def leftover_pids(self) -> list[int]:
        """baresip processes of this instance still alive."""
        return group_members(self.pgid) if self.pgid is not None else []


class BaresipFactory:
    """Makes baresip instances for one test and stops them all afterwards."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.instances: list[Baresip] = []

    def __call__(
        self,
        user: str = "carol",
        *,
        registrar: Kamailio | None = None,
        transport: Transport = "udp",
        answer: Literal["auto", "manual"] = "auto",
        tone_hz: int = 1000,
        start: bool = True,
    ) -> Baresip:
        workdir = self.workdir / f"baresip-{len(self.instances) + 1}-{user}"
        workdir.mkdir(parents=True)
        phone = Baresip(
            self.binary,
            workdir,
            user,
            registrar=registrar,
            transport=transport,
            answer=answer,
            tone_hz=tone_hz,
        )
        self.instances.append(phone)
        if start:
            phone.start()
        return phone

    def stop_all(self) -> None:
        """Quit every instance (fixture teardown)."""
        for phone in self.instances:
            phone.quit()

    def leftover_pids(self) -> list[int]:
        """baresip processes of this factory still alive."""
        return [pid for phone in self.instances for pid in phone.leftover_pids()]


@pytest.fixture
def baresip_factory(tmp_path: Path) -> Iterator[BaresipFactory]:
    """`baresip_factory(user, registrar=kamailio, answer="auto", tone_hz=1000)` -> a started Baresip."""
    binary = require_binary("baresip", "baresip-core")
    factory = BaresipFactory(binary, tmp_path / "baresip")
    try:
        yield factory
    finally:
        factory.stop_all()
    leftovers = factory.leftover_pids()
    assert not leftovers, f"baresip processes left running: {leftovers}"


# --------------------------------------------------------------------------------------------------
# agent-tui bot (the project's own engine, headless)


def agent_tui_command() -> list[str]:
    """How to run `agent-tui` from this interpreter's environment."""
    script = Path(sys.executable).parent / "agent-tui"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "agent_tui.cli"]


class AgentBot:
    """`agent-tui bot` in its own process group, its JSON lines read with deadlines.

    Without `user` it listens on 127.0.0.1:`port` (no-registrar mode); with `user` and `registrar`
    it registers there (password `secret-USER` through $AGENT_TUI_SIP_PASSWORD, never argv).
    `next_event("incoming")` returns the next event of that name not yet returned.
    """

    def __init__(
        self,
        workdir: Path,
        *args: str,
        user: str | None = None,
        registrar: Kamailio | None = None,
        transport: Transport = "udp",
        port: int | None = None,
        password: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.args = list(args)
        self.user = user
        self.registrar = registrar
        self.transport = transport
        self.host = LOOPBACK
        self.port = port if port is not None else free_port()
        self.password = password if password is not None else (password_of(user) if user else None)
        self.record_dir = workdir / "recordings"
        self.log_path = workdir / "pjsip.log"
        self.stderr_path = workdir / "stderr.log"
        self.proc: subprocess.Popen[str] | None = None
        self.pgid: int | None = None
        self.reader: JsonLineReader | None = None
        self._cursors: dict[str, int] = {}
        self.start_seconds: float | None = None

    def __repr__(self) -> str:
        return f"AgentBot({self.address}, user={self.user}, pid={self.proc.pid if self.proc else None})"

    @property
    def address(self) -> str:
        """host:port where the bot takes SIP directly."""
        return f"{self.host}:{self.port}"

    @property
    def uri(self) -> str:
        """A SIP URI reaching the bot (through the registrar when it registers there)."""
        if self.registrar is not None and self.user:
            return self.registrar.uri(self.user)
        return f"sip:{self.user or 'agent'}@{self.address}"

    def argv(self) -> list[str]:
        """The full command line (no secrets in it)."""
        argv = [*agent_tui_command(), "bot", "--listen", self.address, "--record", str(self.record_dir)]
        argv += ["--log", str(self.log_path)]
        if self.user and self.registrar is not None:
            argv += ["--account", f"{self.user}@{self.registrar.host}"]
            argv += [
                "--registrar",
                self.registrar.uri(transport=self.transport),
                "--transport",
                self.transport,
            ]
        return argv + self.args

    def start(self, timeout: float = 15.0) -> dict[str, Any]:
        """Start and wait for `started` (and `registered` with an account); returns that last event."""
        self.record_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.pop("AGENT_TUI_SIP_PASSWORD", None)
        if self.password is not None:
            env["AGENT_TUI_SIP_PASSWORD"] = self.password
        began = time.monotonic()
        with self.stderr_path.open("ab") as err:
            self.proc = subprocess.Popen(
                self.argv(),
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                encoding="utf-8",
                errors="surrogateescape",
                start_new_session=True,
            )
        self.pgid = self.proc.pid
        self.reader = JsonLineReader.of(self.proc, f"agent-tui bot on {self.address}")
        event = self.next_event("started", timeout)
        if self.user and self.registrar is not None:
            event = self.next_event("registered", timeout)
        self.start_seconds = time.monotonic() - began
        return event

    def next_event(
        self, name: str, timeout: float = 10.0, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        """The next event called `name` (matching `where`) not returned before, with a deadline.

        Each name has its own cursor, so the order of calls across names does not matter (the
        engine reports `recording` before `ended`, for example).
        """
        if self.reader is None:
            raise RuntimeError("the bot is not started")
        reader = self.reader

        def pick() -> dict[str, Any] | None:
            seen = reader.seen
            for index in range(self._cursors.get(name, 0), len(seen)):
                event = seen[index]
                if event.get("event") == name and (where is None or where(event)):
                    self._cursors[name] = index + 1
                    return event
            return None

        reader.drain()
        found = pick()
        if found is not None:
            return found
        try:
            reader.until(
                lambda event: event.get("event") == name and (where is None or where(event)), timeout
            )
        except WaitTimeout as exc:
            raise WaitTimeout(f"{exc}\nstderr:\n{_read(self.stderr_path)[-2000:]}") from None
        found = pick()
        assert found is not None
        return found

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """Every event read so far (of one name, if given); reads what is already queued first."""
        if self.reader is None:
            return []
        self.reader.drain()
        return [event for event in self.reader.seen if name is None or event.get("event") == name]

    @property
    def alive(self) -> bool:
        """True while the bot process runs."""
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM the bot (its clean shutdown) and wait; SIGKILL the group if it hangs. The exit code."""
        if self.proc is None or self.pgid is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                kill_group(self.proc, self.pgid)
                raise WaitTimeout(f"agent-tui bot ignored SIGTERM for {timeout} s") from None
        stop_group(self.proc, self.pgid, grace=2.0)
        if self.reader is not None:
            self.reader.join(2.0)
        return int(self.proc.returncode)

    def stderr_text(self) -> str:
        """What the bot wrote on stderr (should be nothing on a good run)."""
        return _read(self.stderr_path)

    def leftover_pids(self) -> list[int]:
        """Bot processes still alive."""
        return group_members(self.pgid) if self.pgid is not None else []


class BotFactory:
    """Makes `agent-tui bot` processes for one test and stops them all afterwards."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.bots: list[AgentBot] = []

    def __call__(self, *args: str, start: bool = True, **options: Any) -> AgentBot:
        workdir = self.workdir / f"bot-{len(self.bots) + 1}"
        workdir.mkdir(parents=True)
        bot = AgentBot(workdir, *args, **options)
        self.bots.append(bot)
        if start:
            bot.start()
        return bot

    def stop_all(self) -> None:
        """Stop every bot (fixture teardown), even when one of them hangs."""
        for bot in self.bots:
            with contextlib.suppress(WaitTimeout):
                bot.stop()

    def leftover_pids(self) -> list[int]:
        """Bot processes of this factory still alive."""
        return [pid for bot in self.bots for pid in bot.leftover_pids()]


@pytest.fixture
def bot_factory(tmp_path: Path) -> Iterator[BotFactory]:
    """`bot_factory(*bot_args, user=None, registrar=None, transport="udp")` -> a started AgentBot."""
    factory = BotFactory(tmp_path / "bots")
    try:
        yield factory
    finally:
        factory.stop_all()
    leftovers = factory.leftover_pids()
    assert not leftovers, f"agent-tui bot processes left running: {leftovers}"
