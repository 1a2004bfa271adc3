"""A second "host" on this machine: a network namespace joined to ours by a veth pair.

Processes started in it (`ip netns exec NAME ...`, see `Host.prefix`) have their own loopback and one
address, `Host.address`, that the test's namespace reaches over the veth; they reach PostgreSQL over
its Unix socket (a file: namespaces do not hide it). `Host.kill()` takes the whole host away as a power
cut would: the wire goes silent first (its end of the veth goes down: packets to it vanish, nothing it
had open sends a reset or a goodbye), then every process the test started there is SIGKILLed by pid,
then the namespace is deleted and its absence asserted. No kernel modules are needed (veth is built in
on this project's machines).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.faults.netns import namespace_exists
from tests.support.peers import require_binary


def _ip(ip: str, *argv: str) -> None:
    done = subprocess.run([ip, *argv], capture_output=True, text=True, timeout=10, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(argv)}: {done.stderr.strip()}")


@dataclass
class Host:
    """The namespace `name`, reached at `address` from the test's namespace."""

    ip: str
    name: str
    address: str
    outside: str
    """Our end of the veth."""
    inside: str
    """Its end of the veth."""
    pids: list[int] = field(default_factory=list)
    """Processes started there (the test adds them); `kill()` ends them."""
    alive: bool = True

    @property
    def prefix(self) -> list[str]:
        """Words that run a command on this host."""
        return [self.ip, "netns", "exec", self.name]

    def kill(self) -> None:
        """Silence the wire, SIGKILL every process started there (by pid), delete the namespace."""
        if not self.alive:
            return
        self.alive = False
        # Its end down, ours up: our route stays, packets go nowhere (no "unreachable" to tell anyone).
        with contextlib.suppress(RuntimeError):
            _ip(self.ip, "-n", self.name, "link", "set", self.inside, "down")
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _ip(self.ip, "netns", "del", self.name)
        # The killed processes' orphaned TCP sockets keep the namespace, and with it the veth, alive
        # for minutes (retransmitting into the silent wire): delete our end, which takes both.
        with contextlib.suppress(RuntimeError):
            _ip(self.ip, "link", "del", self.outside)
        assert not namespace_exists(self.name)
        assert not Path(f"/sys/class/net/{self.outside}").exists()


@contextmanager
def second_host(tag: str) -> Iterator[Host]:
    """A host of our own for the test; killed (if still up) on the way out."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    ip = require_binary("ip", "iproute2")
    pid = os.getpid()
    # Names and the /30 come from our pid, so two runs on one machine do not meet.
    name, outside, inside = f"{tag}{pid}", f"{tag}{pid}o", f"{tag}{pid}i"
    net = f"10.216.{pid % 250}.{(pid // 250) % 64 * 4}"
    base = net.rsplit(".", 1)
    ours, theirs = f"{base[0]}.{int(base[1]) + 1}", f"{base[0]}.{int(base[1]) + 2}"
    _ip(ip, "netns", "add", name)
    host = Host(ip, name, theirs, outside, inside)
    try:
        _ip(ip, "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", name)
        _ip(ip, "addr", "add", f"{ours}/30", "dev", outside)
        _ip(ip, "link", "set", outside, "up")
        for argv in (["addr", "add", f"{theirs}/30", "dev", inside], ["link", "set", inside, "up"],
                     ["link", "set", "lo", "up"]):
            _ip(ip, "-n", name, *argv)
        yield host
    finally:
        host.kill()
