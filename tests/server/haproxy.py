"""HAProxy (Debian's `haproxy`) in front of several server processes, for the failover test and bench.

The configuration is the one docs/deploy.md recommends: HTTP health checks on `/v1/health` every
500 ms, a server taken out after two failed checks, long client/server/tunnel timeouts so an event
stream that is quiet between keep-alives is not cut, and a connection that fails to open sent to
another server (`option redispatch`). It runs in the foreground (`-db`) as a child of the test and is
stopped by its pid; its admin socket answers which servers are up.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.sip_peers import free_port
from tests.support.waiting import wait_for


def haproxy_config(port: int, servers: list[tuple[str, str]], admin_socket: Path) -> str:
    """The config text: a frontend on 127.0.0.1:`port` balancing over `servers` (name, HOST:PORT)."""
    lines = [
        "global",
        "  maxconn 4000",
        f"  stats socket {admin_socket} mode 600 level admin",
        "defaults",
        "  mode http",
        "  timeout connect 2s",
        "  timeout http-request 10s",
        # An event stream stays open for hours and is quiet up to keepalive_s between comments.
        "  timeout client 1h",
        "  timeout server 1h",
        "  timeout tunnel 1h",
        "  retries 2",
        "  option redispatch",
        "frontend desks",
        f"  bind 127.0.0.1:{port}",
        "  default_backend servers",
        "backend servers",
        # Streams last long: spread them by how many each server holds, not by turns.
        "  balance leastconn",
        "  option httpchk GET /v1/health",
        "  http-check expect status 200",
        "  default-server inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2"
        " on-marked-down shutdown-sessions",
    ]
    lines += [f"  server {name} {address} check" for name, address in servers]
    return "\n".join(lines) + "\n"


@dataclass
class Haproxy:
    """A running HAProxy on a free loopback port; `stop()` ends it by pid."""

    binary: str
    workdir: Path
    servers: list[tuple[str, str]]
    """(name, HOST:PORT) of each server."""
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    admin_socket: Path = field(init=False)
    _socket_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        # A Unix socket's path must fit in 108 bytes: pytest's folders can be longer.
        self._socket_dir = Path(tempfile.mkdtemp(prefix="haproxy-"))
        self.admin_socket = self._socket_dir / "admin.sock"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Start; returns when every server passes its health check."""
        self.port = self.port or free_port()
        config = self.workdir / "haproxy.cfg"
        config.write_text(haproxy_config(self.port, self.servers, self.admin_socket), encoding="utf-8")
        check = subprocess.run([self.binary, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        log = (self.workdir / "haproxy.log").open("ab")
        self.proc = subprocess.Popen([self.binary, "-db", "-f", str(config)], stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        names = {name for name, _ in self.servers}
        wait_for(lambda: self.up() == names, timeout=timeout, interval=0.1,
                 message="HAProxy to see every server up")

    def _admin(self, command: str) -> str:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"haproxy exited: {(self.workdir / 'haproxy.log').read_text()[-2000:]}")
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(2)
                sock.connect(str(self.admin_socket))
                sock.sendall(command.encode() + b"\n")
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
        except OSError:
            return ""
        return b"".join(chunks).decode(errors="replace")

    def up(self) -> set[str]:
        """Names of the servers HAProxy currently sends requests to."""
        out = set()
        for line in self._admin("show stat").splitlines():
            cells = line.split(",")
            if len(cells) > 17 and cells[0] == "servers" and cells[1] not in ("FRONTEND", "BACKEND") \
                    and cells[17].startswith("UP"):
                out.add(cells[1])
        return out

    def sessions(self, name: str) -> int:
        """Connections server `name` holds now (event streams included)."""
        for line in self._admin("show stat").splitlines():
            cells = line.split(",")
            if len(cells) > 4 and cells[0] == "servers" and cells[1] == name:
                return int(cells[4] or 0)
        return 0

    def stop(self) -> None:
        """SIGTERM by pid (SIGKILL after a grace); remove the socket's folder."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(self._socket_dir, ignore_errors=True)
