"""The real gateways of customer messages, started by tests on loopback: OpenSMTPD and Kannel.

OpenSMTPD (Debian `opensmtpd`) delivers every message into a maildir the test reads. It keeps its
queue in /var/spool/smtpd and its control socket in /run, both fixed at build time, so each instance
runs in a mount namespace of its own (`unshare --mount`) with a temporary folder over each: two
test runs on one machine never share a queue. It needs root (it drops to its own users itself).

Kannel (Debian `kannel`: bearerbox and smsbox) takes SMS on smsbox's `sendsms` HTTP interface and
hands them to an SMSC; the SMSC is Kannel's own `fakesmsc` (Debian `kannel-extras`), which logs every
message it receives ("Got message N: <from to coding text>"). The test reads that log.
Every process is started here and stopped by its pid.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from tests.support.peers import peers_required, require_binary
from tests.support.sip_peers import free_port
from tests.support.waiting import wait_for

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
SMS_USER, SMS_PASSWORD = "agenttui", "sms-test-password"
SMS_PASSWORD_ENV = "AGENT_TUI_TEST_SMS_PASSWORD"


def _need_root(what: str) -> None:
    if os.geteuid() != 0:
        message = f"PEER NEEDS ROOT: {what}"
        if peers_required():
            pytest.fail(message)
        pytest.skip(message)


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@dataclass
class Mta:
    """OpenSMTPD on 127.0.0.1:`port`, delivering every recipient into `maildir`."""

    port: int = 0
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="agent-tui-mta-")))
    proc: subprocess.Popen[bytes] | None = None

    @property
    def maildir(self) -> Path:
        return self.root / "maildir"

    def start(self) -> None:
        _need_root("OpenSMTPD drops to its own users and needs a mount namespace")
        smtpd = require_binary("smtpd", "opensmtpd")
        unshare = require_binary("unshare", "util-linux")
        self.port = self.port or free_port()
        spool, run = self.root / "spool", self.root / "run"
        for folder in (spool, run, self.maildir):
            folder.mkdir(exist_ok=True)
        os.chmod(self.root, 0o755)
        os.chmod(spool, 0o755)
        os.chmod(self.maildir, 0o777)  # delivery runs as `nobody`
        config = self.root / "smtpd.conf"
        home = self.root / "home"  # the delivering user's home, where smtpd looks for a .forward
        home.mkdir(exist_ok=True)
        os.chmod(home, 0o755)
        nobody = pwd.getpwnam("nobody")
        config.write_text(
            'table recipients { "@" = "vmail" }\n'
            f'table users {{ "vmail" = "{nobody.pw_uid}:{nobody.pw_gid}:{home}" }}\n'
            f"listen on 127.0.0.1 port {self.port}\n"
            f'action "maildir" maildir "{self.maildir}" virtual <recipients> userbase <users>\n'
            'match from any for any action "maildir"\n',
            encoding="utf-8",
        )
        log = (self.root / "smtpd.log").open("wb")
        script = 'mount --bind "$1" /var/spool && mount --bind "$2" /run && exec "$3" -d -f "$4"'
        self.proc = subprocess.Popen(
            [unshare, "--mount", "sh", "-c", script, "sh", str(spool), str(run), smtpd, str(config)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for(self._up, timeout=20, interval=0.05, message=f"OpenSMTPD on port {self.port}")

    def _up(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"smtpd exited: {self.log()[-2000:]}")
        return _accepts(self.port)

    def log(self) -> str:
        path = self.root / "smtpd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def messages(self) -> list[EmailMessage]:
        """Every message delivered so far."""
        out: list[EmailMessage] = []
        for sub in ("new", "cur"):
            folder = self.maildir / sub
            if folder.is_dir():
                for path in sorted(folder.iterdir()):
                    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
                    assert isinstance(parsed, EmailMessage)
                    out.append(parsed)
        return out

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)


_GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>\s*$")


@dataclass(frozen=True)
class Sms:
    """One message as the SMSC got it."""

    sender: str
    to: str
    text: str


@dataclass
class Kannel:
    """bearerbox + smsbox + fakesmsc on loopback; `sendsms_url` is what the server is given."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="agent-tui-kannel-")))
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    sendsms_port: int = 0
    admin_port: int = 0

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def start(self) -> None:
        bearerbox = require_binary("bearerbox", "kannel")
        smsbox = require_binary("smsbox", "kannel")
        if not os.access(FAKESMSC, os.X_OK):
            require_binary("fakesmsc-not-installed", "kannel-extras")
        self.admin_port, box_port, smsc_port, self.sendsms_port = (free_port() for _ in range(4))
        config = self.root / "kannel.conf"
        config.write_text(f"""
group = core
admin-port = {self.admin_port}
admin-password = admin-test
admin-interface = 127.0.0.1
admin-allow-ip = 127.0.0.1
smsbox-port = {box_port}
box-allow-ip = 127.0.0.1
log-file = "{self.root / 'bearerbox.log'}"
log-level = 1

group = smsc
smsc = fake
smsc-id = fake
host = 127.0.0.1
port = {smsc_port}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {box_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{self.root / 'smsbox.log'}"
log-level = 1

group = sendsms-user
username = {SMS_USER}
password = {SMS_PASSWORD}
max-messages = 10
concatenation = true

# fakesmsc sends one message to start with; it needs no answer
group = sms-service
keyword = default
text = ""
omit-empty = true
""", encoding="utf-8")
        self._spawn("bearerbox", [bearerbox, "-v", "1", str(config)])
        wait_for(lambda: self._alive() and _accepts(smsc_port), timeout=20, interval=0.05,
                 message="Kannel bearerbox")
        self._spawn("fakesmsc", [FAKESMSC, "-H", "127.0.0.1", "-r", str(smsc_port), "-i", "100000", "-m", "2",
                                 "0 0 text hello"])
        self._spawn("smsbox", [smsbox, "-v", "1", str(config)])
        wait_for(self._ready, timeout=30, interval=0.1, message="Kannel with its fake SMSC online")

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = (self.root / f"{name}.out").open("wb")
        self.procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.root))
        log.close()

    def _alive(self) -> bool:
        for proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}: {self.logs()[-3000:]}")
        return True

    def _ready(self) -> bool:
        self._alive()
        if not _accepts(self.sendsms_port):
            return False
        status = httpx.get(f"http://127.0.0.1:{self.admin_port}/status.txt",
                           params={"password": "admin-test"}, timeout=2).text
        # The fake SMSC is "(online Ns" and smsbox "(on-line ...)": both connected to bearerbox.
        return "(online" in status and "smsbox:" in status and "(on-line" in status

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.root.glob("*.out")))

    def messages(self) -> list[Sms]:
        """Every message the fake SMSC got so far (the text decoded from UCS-2)."""
        path = self.root / "fakesmsc.out"
        out: list[Sms] = []
        for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
            match = _GOT.search(line)
            if match is None:
                continue
            sender, to, coding, text = match.groups()
            raw = urllib.parse.unquote_to_bytes(text.replace("+", "%20"))
            out.append(Sms(sender, to, raw.decode("utf-16-be") if coding == "ucs-2" else raw.decode()))
        return out

    def stop(self) -> None:
        for proc in reversed(self.procs):
            _stop(proc)
        self.procs.clear()
        shutil.rmtree(self.root, ignore_errors=True)
