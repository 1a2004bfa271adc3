"""A throwaway network namespace with an impaired loopback, entered by the test's own main thread.

`impaired_namespace(name, "delay 100ms loss 5%")` makes the namespace (`ip netns add`), brings its
`lo` up, and moves the calling thread into it with setns(2) (through ctypes: Python 3.11 has no
`os.setns`). Every socket the test then opens and every process it starts (backend, Kamailio, SIPp,
tmux and the desk) lives in the namespace, so 127.0.0.1 there is a loopback nobody else uses.
`impair()` applies `tc qdisc add dev lo root netem ...` once the peers are up (their readiness
probes use sub-200 ms timeouts). On exit the thread goes back to the original namespace, the
namespace is deleted, and its absence is asserted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.peers import require_binary

CLONE_NEWNET = 0x40000000
NETNS_DIR = Path("/run/netns")


class NetemUnavailable(RuntimeError):
    """The kernel has no netem qdisc (sch_netem not built or not loadable)."""


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"setns: {os.strerror(error)}")


def namespace_exists(name: str) -> bool:
    """True while `ip netns` still lists `name`."""
    return (NETNS_DIR / name).exists()


class Namespace:
    """The namespace the test thread is in; `impair()` slows its loopback down."""

    def __init__(self, name: str, ip: str, tc: str) -> None:
        self.name = name
        self.ip = ip
        self.tc = tc

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """Run a command in the namespace (we are in it: plain subprocess)."""
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=10, check=False)

    def impair(self, netem: str) -> None:
        """`tc qdisc add dev lo root netem NETEM`; NetemUnavailable when the kernel has no netem."""
        done = self.run(self.tc, "qdisc", "add", "dev", "lo", "root", "netem", *netem.split())
        if done.returncode != 0:
            if "unknown" in done.stderr.lower():
                raise NetemUnavailable(done.stderr.strip())
            raise RuntimeError(f"tc netem failed: {done.stderr.strip()}")

    def qdisc(self) -> str:
        """`tc qdisc show dev lo`."""
        return self.run(self.tc, "qdisc", "show", "dev", "lo").stdout.strip()


@contextmanager
def network_namespace(name: str) -> Iterator[Namespace]:
    """Make namespace `name`, put this thread in it with `lo` up; undo it all afterwards (asserted)."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    ip = require_binary("ip", "iproute2")
    tc = require_binary("tc", "iproute2")
    subprocess.run([ip, "netns", "add", name], check=True, capture_output=True, timeout=10)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(NETNS_DIR / name, os.O_RDONLY)
        try:
            _setns(target)
        finally:
            os.close(target)
        try:
            subprocess.run([ip, "link", "set", "lo", "up"], check=True, capture_output=True, timeout=10)
            yield Namespace(name, ip, tc)
        finally:
            _setns(home)
    finally:
        os.close(home)
        subprocess.run([ip, "netns", "delete", name], check=False, capture_output=True, timeout=10)
    assert not namespace_exists(name), f"network namespace {name} left behind"


def have_tools() -> bool:
    """Whether `ip` and `tc` are on PATH."""
    return shutil.which("ip") is not None and shutil.which("tc") is not None
