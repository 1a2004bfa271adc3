"""A call ringing over TCP survives a change of the host's addresses when the phone listens on one address.

Seen under load (bench.screen_pop, session 6): an address came and went on the shared machine; the
desk (listening on 127.0.0.1) ran `handleIpChange`, which shut down every SIP transport, the TCP
connection carrying a ringing INVITE with them, and restarted the listener on 0.0.0.0. The caller's
CANCEL then failed with EOF (503 on its side) and the desk kept ringing until its ring timeout.
A listener bound to one address cannot follow a new one: the watch must not act for it.

Real pjsua2 engine on loopback; the caller is a raw SIP/TCP client, so the test controls the connection.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent_tui.phone import core_setup
from agent_tui.phone.core import EngineCore
from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, IncomingCall, NetworkChange
from agent_tui.phone.ip_change import IpChangeWatch, watch_interval
from agent_tui.phone.ip_change_engine import IpChangeDriver
from agent_tui.phone.options import EngineOptions
from tests.phone.support import EventLog

WATCH_S = 0.02
"""The address watch's interval here: several looks fit between the ring and the CANCEL."""


class Addresses:
    """A fake address reader: the host gains an address after `flip()`."""

    def __init__(self) -> None:
        self.flipped = False

    def flip(self) -> None:
        self.flipped = True

    def __call__(self) -> frozenset[str]:
        return frozenset({"192.0.2.2", "10.216.130.193"} if self.flipped else {"192.0.2.2"})


class Ticks:
    """The `now` of every engine loop turn that finished, to wait for turns without sleeping."""

    def __init__(self) -> None:
        self.latest = 0.0
        self.changed = threading.Condition()

    def done(self, now: float) -> None:
        with self.changed:
            self.latest = max(self.latest, now)
            self.changed.notify_all()

    def wait_past(self, moment: float, timeout: float = 10.0) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.latest >= moment, timeout), "the engine loop stalled"


@pytest.fixture
def addresses() -> Addresses:
    return Addresses()


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch, addresses: Addresses) -> Ticks:
    seen = Ticks()
    original_tick = EngineCore.tick

    def tick(self: EngineCore, now: float) -> None:
        original_tick(self, now)
        seen.done(now)

    monkeypatch.setattr(EngineCore, "tick", tick)

    def driver(ep: Any, watch: IpChangeWatch, emit: Any, note: Any) -> IpChangeDriver:
        return IpChangeDriver(ep, watch, emit, note, read_addresses=addresses)

    monkeypatch.setattr(core_setup, "IpChangeDriver", driver)
    return seen


@pytest.fixture
def phone(tmp_path: Path, ticks: Ticks) -> Iterator[tuple[PhoneEngine, EventLog]]:
    events = EventLog()
    engine = PhoneEngine(EngineOptions(listen=("127.0.0.1", 0), log_file=tmp_path / "pjsip.log", log_level=5,
                                       ip_change_watch_s=WATCH_S, ring_timeout_s=60.0), events)
    engine.start()
    try:
        yield engine, events
    finally:
        engine.stop()


class TcpCaller:
    """A SIP caller over one TCP connection (INVITE, then CANCEL on the same connection)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.local_port = self.sock.getsockname()[1]
        self.call_id = uuid.uuid4().hex
        self.branch = "z9hG4bK" + uuid.uuid4().hex[:16]
        self.received = b""

    def send(self, method: str) -> None:
        me = f"127.0.0.1:{self.local_port}"
        message = (
            f"{method} sip:agent@127.0.0.1:{self.port};transport=tcp SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP {me};branch={self.branch}\r\n"
            f"From: <sip:caller@{me}>;tag={self.call_id[:8]}\r\n"
            f"To: <sip:agent@127.0.0.1:{self.port}>\r\n"
            f"Call-ID: {self.call_id}\r\n"
            f"CSeq: 1 {method}\r\n"
            f"Contact: <sip:caller@{me};transport=tcp>\r\n"
            "Max-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        self.sock.sendall(message.encode())

    def wait_response(self, code: int, method: str) -> None:
        """Read until a response `code` to `method` came (the connection closing fails the test)."""
        needle = f"SIP/2.0 {code} ".encode()
        while not any(line.startswith(needle) and f" {method}".encode() in self._cseq_after(line)
                      for line in self.received.split(b"\r\n")):
            chunk = self.sock.recv(4096)
            assert chunk, f"the phone closed the connection before its {code} to {method}"
            self.received += chunk

    def _cseq_after(self, status_line: bytes) -> bytes:
        start = self.received.find(status_line)
        end = self.received.find(b"\r\n\r\n", start)
        head = self.received[start:end]
        return next((line for line in head.split(b"\r\n") if line.lower().startswith(b"cseq:")), b"")

    def close(self) -> None:
        self.sock.close()


def test_cancel_reaches_a_ringing_call_after_the_hosts_addresses_changed(
        phone: tuple[PhoneEngine, EventLog], addresses: Addresses, ticks: Ticks) -> None:
    engine, events = phone
    assert engine.info.tcp_port is not None
    caller = TcpCaller(engine.info.tcp_port)
    try:
        caller.send("INVITE")
        ring = events.wait(IncomingCall)
        caller.wait_response(180, "INVITE")
        addresses.flip()
        flipped_at = time.monotonic()
        ticks.wait_past(flipped_at + 5 * WATCH_S)  # the watch looked at the new address set meanwhile
        caller.send("CANCEL")
        caller.wait_response(200, "CANCEL")
        caller.wait_response(487, "INVITE")
        ended = events.wait(CallEnded, call_id=ring.call_id)
        assert ended.code == 487
        assert events.of(NetworkChange) == []  # nothing to recover: the listener cannot move
    finally:
        caller.close()


@pytest.mark.parametrize(("host", "public", "expected"), [
    ("0.0.0.0", None, 2.0),
    ("", None, 2.0),
    ("::", None, 2.0),
    ("127.0.0.1", None, 0.0),  # bound to one address: nothing to follow
    ("10.0.0.5", None, 0.0),
    ("0.0.0.0", "203.0.113.7", 0.0),  # the Contact is the configured public address
])
def test_the_watch_runs_only_for_a_listener_that_can_follow_a_new_address(
        host: str, public: str | None, expected: float) -> None:
    assert watch_interval(2.0, host, public) == expected


def test_a_watch_turned_off_in_the_settings_stays_off() -> None:
    assert watch_interval(0.0, "0.0.0.0", None) == 0.0
