"""A throwaway network namespace with an impaired loopback, entered by the test's own main thread.

`network_namespace(name)` makes the namespace (`ip netns add`), brings its `lo` up, and moves the
calling thread into it with setns(2) (through ctypes: Python 3.11 has no `os.setns`). Every socket the
test then opens and every process it starts (backend, Kamailio, SIPp, tmux and the desk) lives in the
namespace, so 127.0.0.1 there is a loopback nobody else uses.

`Namespace.impair(delay_ms, loss_percent)` slows that loopback down, preferring netem
(`tc qdisc add dev lo root netem delay D loss L%`). Kernels built without `sch_netem` (this project's
machines: no modules, no modprobe) fall back to what they do have, with the same effect on every
packet of every protocol and no change to the peers' configuration:

- delay: iptables `-o lo -j NFQUEUE` hands each outgoing packet to tests/faults/nfqueue_delay.py, a
  process in the namespace that lets it go `delay_ms` later (in order);
- loss: iptables `-i lo -m statistic --mode random --probability P -j DROP` on the way in (dropping
  on the way out would hand the sender an EPERM, which netem's loss does not).

`impair()` returns which one ran ("netem" or "nfqueue"). On exit the delay line is stopped (by its
pid), the thread goes back to its original namespace, the namespace is deleted, and its absence is
asserted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest

from tests.support.peers import require_binary

T = TypeVar("T")
CLONE_NEWNET = 0x40000000
NETNS_DIR = Path("/run/netns")
REPO = Path(__file__).resolve().parents[2]
NFQUEUE_NUMBER = 7
"""Any queue number: the namespace is ours alone."""
DELAY_LINE_READY_S = 20.0
"""How long the delay line may take to start (a Python interpreter on a busy 2-core machine)."""

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


def netem_args(delay_ms: float, loss_percent: float) -> list[str]:
    """netem's words for a constant delay and a random loss: `delay 100ms loss 5%`."""
    return ["delay", f"{delay_ms:g}ms", "loss", f"{loss_percent:g}%"]


class Namespace:
    """The namespace the test thread is in; `impair()` slows its loopback down."""

    def __init__(self, name: str, ip: str, tc: str) -> None:
        self.name = name
        self.ip = ip
        self.tc = tc
        self.mechanism: str | None = None
        """How the loopback is impaired: "netem", "nfqueue", or None (not impaired)."""
        self.delay_line_report = ""
        """The delay line's last words once stopped (`held N max_late_ms M`)."""
        self._delay_line: subprocess.Popen[str] | None = None

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """Run a command in the namespace (we are in it: plain subprocess)."""
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=10, check=False)

    def impair(self, delay_ms: float, loss_percent: float) -> str:
        """Delay every loopback packet by `delay_ms` and lose `loss_percent` of them; returns the mechanism.

        netem when the kernel has it, else NFQUEUE + statistic (see the module's docstring).
        """
        try:
            self.impair_with_netem(delay_ms, loss_percent)
        except NetemUnavailable:
            self.impair_with_nfqueue(delay_ms, loss_percent)
        assert self.mechanism is not None
        return self.mechanism

    def impair_with_netem(self, delay_ms: float, loss_percent: float) -> None:
        """`tc qdisc add dev lo root netem ...`; NetemUnavailable when the kernel has no netem."""
        netem = netem_args(delay_ms, loss_percent)
        done = self.run(self.tc, "qdisc", "add", "dev", "lo", "root", "netem", *netem)
        if done.returncode != 0:
            if "unknown" in done.stderr.lower():
                raise NetemUnavailable(done.stderr.strip())
            raise RuntimeError(f"tc netem failed: {done.stderr.strip()}")
        self.mechanism = "netem"

    def impair_with_nfqueue(self, delay_ms: float, loss_percent: float) -> None:
        """The delay line on an NFQUEUE for outgoing loopback packets; a random drop on the way in."""
        iptables = [require_binary("iptables", "iptables"), require_binary("ip6tables", "iptables")]
        self._delay_line = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.nfqueue_delay", "--queue", str(NFQUEUE_NUMBER),
             "--delay-ms", f"{delay_ms:g}"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # Its first line says whether it bound the queue; readline blocks, so a deadline is enforced
        # by the helper that kills it (the line comes within a second on an idle machine).
        first = self._first_line(self._delay_line)
        if first != "ready":
            self.stop()
            raise RuntimeError(f"the NFQUEUE delay line did not start: {first!r} {self.delay_line_report}")
        probability = f"{loss_percent / 100:.6f}"
        for binary in iptables:
            for rule in (["-A", "OUTPUT", "-o", "lo", "-j", "NFQUEUE", "--queue-num", str(NFQUEUE_NUMBER)],
                         ["-A", "INPUT", "-i", "lo", "-m", "statistic", "--mode", "random",
                          "--probability", probability, "-j", "DROP"]):
                done = self.run(binary, *rule)
                if done.returncode != 0:
                    raise RuntimeError(f"{binary} {' '.join(rule)}: {done.stderr.strip()}")
        self.mechanism = "nfqueue"

    @staticmethod
    def _first_line(process: subprocess.Popen[str]) -> str:
        assert process.stdout is not None
        timer = _Deadline(process, DELAY_LINE_READY_S)
        try:
            return process.stdout.readline().strip()
        finally:
            timer.cancel()

    def describe(self) -> str:
        """What impairs the loopback now: the qdisc, or the iptables rules (for messages and reports)."""
        if self.mechanism == "nfqueue":
            rules = self.run(require_binary("iptables", "iptables"), "-S").stdout
            return " | ".join(line for line in rules.splitlines() if not line.startswith("-P"))
        return self.qdisc()

    def qdisc(self) -> str:
        """`tc qdisc show dev lo`."""
        return self.run(self.tc, "qdisc", "show", "dev", "lo").stdout.strip()

    def delay_line_alive(self) -> bool:
        """Whether the NFQUEUE delay line still runs (packets without it go through undelayed)."""
        return self._delay_line is not None and self._delay_line.poll() is None

    def stop(self) -> None:
        """Stop the delay line, if any (SIGTERM to its pid), and keep its report."""
        process, self._delay_line = self._delay_line, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
        try:
            out, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate(timeout=10)
        self.delay_line_report = out.strip().splitlines()[-1] if out.strip() else f"exit {process.returncode}"


class _Deadline:
    """Kills `process` (by its pid) when it has not spoken within `seconds`: unblocks a readline."""

    def __init__(self, process: subprocess.Popen[str], seconds: float) -> None:
        self._timer = threading.Timer(seconds, self._expire, args=(process,))
        self._timer.daemon = True
        self._timer.start()

    @staticmethod
    def _expire(process: subprocess.Popen[str]) -> None:
        if process.poll() is None:
            process.kill()

    def cancel(self) -> None:
        """The process spoke in time."""
        self._timer.cancel()


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
            namespace = Namespace(name, ip, tc)
            try:
                yield namespace
            finally:
                namespace.stop()
        finally:
            _setns(home)
    finally:
        os.close(home)
        subprocess.run([ip, "netns", "delete", name], check=False, capture_output=True, timeout=10)
    assert not namespace_exists(name), f"network namespace {name} left behind"


def call_in_namespace(name: str, work: Callable[[], T], timeout: float = 60.0) -> T:
    """Run `work` on a thread moved into namespace `name`: the sockets it opens and the processes it
    starts live there (a second host for peers), while the calling thread stays where it is."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            target = os.open(NETNS_DIR / name, os.O_RDONLY)
            try:
                _setns(target)  # this thread only, and it ends here: nothing to undo
            finally:
                os.close(target)
            outcome.append(work())
        except BaseException as error:  # handed to the caller below
            failure.append(error)

    thread = threading.Thread(target=run, name=f"in-{name}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"work in namespace {name} did not end within {timeout:g} s")
    if failure:
        raise failure[0]
    return outcome[0]


def have_tools() -> bool:
    """Whether `ip` and `tc` are on PATH."""
    return shutil.which("ip") is not None and shutil.which("tc") is not None
