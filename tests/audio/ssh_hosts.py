"""Two hosts on one machine for the thin-terminal test: the desk's and the agent's, joined by SSH only.

The desk's host is this test process's own network namespace. The agent's host (the terminal in front
of the agent) is a network namespace of its own, joined to the desk's by a veth pair; its loopback is
its own, so its PulseAudio's TCP port (127.0.0.1:4713 there) cannot be reached from the desk except
through `ssh -R`, as on two machines.

- `agent_host()` makes the namespace and the veth pair; deleting the namespace takes the pair with it
  (asserted).
- `SshServer` is Debian's sshd on the desk's end of the pair, on a port of its own, with a throwaway
  host key and user key and its own config file: no system config is read or written (sshd as root
  only needs its empty privilege-separation directory, /run/sshd, made when missing and removed after).
- `SshForward` is the agent's `ssh -N -R` run inside the agent's namespace: it makes the desk's
  127.0.0.1:`port` lead to the agent's sound server. Started and stopped by pid, any number of times.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.peers import require_binary
from tests.support.waiting import wait_for

SSHD = Path("/usr/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")
AGENT_PULSE_PORT = 4713
"""PulseAudio's usual TCP port, on the agent's own loopback."""
READY_S = 20.0
"""How long sshd or a forward may take to answer on a loaded 2-core machine."""


@dataclass(frozen=True)
class AgentHost:
    """The agent's network namespace and the two ends of the link to the desk."""

    name: str
    desk_ip: str
    agent_ip: str

    def launcher(self) -> list[str]:
        """Prefix that runs a command on the agent's host."""
        return ["ip", "netns", "exec", self.name]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (on the desk's host)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def accepts(host: str, port: int) -> bool:
    """Whether something listens on host:port (of the desk's host)."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _ip(*argv: str) -> None:
    done = subprocess.run(["ip", *argv], capture_output=True, text=True, timeout=10, check=False)
    if done.returncode != 0:
        raise AssertionError(f"ip {' '.join(argv)}: {done.stderr.strip()}")


@contextmanager
def agent_host() -> Iterator[AgentHost]:
    """The agent's host: a namespace with `lo` up and a veth link to the desk (both gone afterwards)."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    require_binary("ip", "iproute2")
    tag = os.getpid() % 200 + 20  # two runs at once get separate names and subnets
    host = AgentHost(f"agent-tui-agent{tag}", f"10.217.{tag}.1", f"10.217.{tag}.2")
    desk_end, agent_end = f"tuidesk{tag}", f"tuiagent{tag}"
    _ip("netns", "add", host.name)
    try:
        _ip("link", "add", desk_end, "type", "veth", "peer", "name", agent_end, "netns", host.name)
        _ip("addr", "add", f"{host.desk_ip}/30", "dev", desk_end)
        _ip("link", "set", desk_end, "up")
        for argv in (["addr", "add", f"{host.agent_ip}/30", "dev", agent_end],
                     ["link", "set", agent_end, "up"], ["link", "set", "lo", "up"]):
            _ip("-n", host.name, *argv)
        yield host
    finally:
        # Deleting one end deletes the pair at once (the namespace's deletion would, but later).
        subprocess.run(["ip", "link", "delete", desk_end], capture_output=True, timeout=10, check=False)
        subprocess.run(["ip", "netns", "delete", host.name], capture_output=True, timeout=10, check=False)
    assert not Path(f"/run/netns/{host.name}").exists(), f"namespace {host.name} left behind"
    assert not Path(f"/sys/class/net/{desk_end}").exists(), f"veth {desk_end} left behind"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM by pid, then wait; SIGKILL only if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@dataclass
class SshServer:
    """sshd on the desk's host, listening only on the desk's end of the link."""

    workdir: Path
    address: str
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    made_privsep_dir: bool = False
    user_key: Path = field(init=False)
    known_hosts: Path = field(init=False)

    def start(self) -> SshServer:
        """Make the keys and the config, start sshd (`-D -e`), wait until it accepts."""
        if not SSHD.exists():
            require_binary("sshd", "openssh-server")  # fails or skips loudly, as for every peer
        keygen = require_binary("ssh-keygen", "openssh-client")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o700)
        host_key, self.user_key = self.workdir / "host_ed25519", self.workdir / "user_ed25519"
        for key in (host_key, self.user_key):
            subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-C", "agent-tui test", "-f", str(key)],
                           check=True, capture_output=True, timeout=30)
        authorized = self.workdir / "authorized_keys"
        authorized.write_text(self.user_key.with_suffix(".pub").read_text())
        self.port = free_port(self.address)
        self.known_hosts = self.workdir / "known_hosts"
        host_public = host_key.with_suffix(".pub").read_text()
        self.known_hosts.write_text(f"[{self.address}]:{self.port} {host_public}")
        config = self.workdir / "sshd_config"
        config.write_text("\n".join([
            f"ListenAddress {self.address}:{self.port}",
            f"HostKey {host_key}",
            f"AuthorizedKeysFile {authorized}",
            "AuthenticationMethods publickey",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "PermitRootLogin prohibit-password",
            "StrictModes no",  # the keys live under the test's tmp dir, not in a home
            "AllowTcpForwarding remote",
            "GatewayPorts no",  # forwards listen on the desk's loopback only
            "PermitTTY no",
            "X11Forwarding no",
            "ClientAliveInterval 2",
            "PidFile none",
            "LogLevel VERBOSE",
        ]) + "\n")
        if not PRIVSEP_DIR.exists():
            PRIVSEP_DIR.mkdir(mode=0o755)
            self.made_privsep_dir = True
        log = (self.workdir / "sshd.log").open("wb")
        self.proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log)
        log.close()
        wait_for(self._answers, READY_S, interval=0.1, message="sshd to accept connections")
        return self

    def _answers(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"sshd exited: {self.log()[-2000:]}")
        return accepts(self.address, self.port)

    def log(self) -> str:
        """What sshd said (for failure messages)."""
        return (self.workdir / "sshd.log").read_text(errors="replace")

    def stop(self) -> None:
        """Stop sshd by its pid; remove the privilege-separation dir if we made it."""
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None
        if self.made_privsep_dir:
            PRIVSEP_DIR.rmdir()
            self.made_privsep_dir = False


@dataclass
class SshForward:
    """The agent's `ssh -N -R 127.0.0.1:port:127.0.0.1:4713 root@desk`, run on the agent's host."""

    server: SshServer
    host: AgentHost
    port: int = 0
    """The desk's end of the forward (127.0.0.1 on the desk's host)."""
    proc: subprocess.Popen[bytes] | None = None
    started: int = 0

    def start(self) -> SshForward:
        """Connect and forward; returns when the desk's end accepts connections."""
        ssh = require_binary("ssh", "openssh-client")
        if not self.port:
            self.port = free_port()
        server = self.server
        self.started += 1
        log = (server.workdir / f"ssh-{self.started}.log").open("wb")
        self.proc = subprocess.Popen(
            [*self.host.launcher(), ssh, "-F", "/dev/null", "-N", "-i", str(server.user_key),
             "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes",
             "-o", f"UserKnownHostsFile={server.known_hosts}", "-o", "ExitOnForwardFailure=yes",
             "-o", "ServerAliveInterval=2",
             "-R", f"127.0.0.1:{self.port}:127.0.0.1:{AGENT_PULSE_PORT}",
             "-p", str(server.port), f"root@{server.address}"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env={**os.environ, "HOME": str(server.workdir)})
        log.close()
        wait_for(self._ready, READY_S, interval=0.1, message="the ssh -R forward to listen on the desk")
        return self

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            log = (self.server.workdir / f"ssh-{self.started}.log").read_text(errors="replace")
            raise AssertionError(
                f"ssh exited {self.proc.returncode}: {log[-1500:]}\nsshd: {self.server.log()[-1500:]}")
        return accepts("127.0.0.1", self.port)

    def stop(self) -> None:
        """Kill the ssh client by its pid; returns when the desk's end no longer accepts."""
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None
            wait_for(lambda: not accepts("127.0.0.1", self.port), READY_S, interval=0.1,
                     message="the forward's port to close on the desk")
