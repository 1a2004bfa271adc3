"""Fixtures of the phone tests: a started engine in this process, bot peers in subprocesses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import EngineStopped
from agent_tui.phone.options import EngineOptions
from tests.phone.support import BotPeer, EventLog
from tests.support.sip_peers import kamailio, sipp

__all__ = ["kamailio", "sipp"]


@pytest.fixture
def events() -> EventLog:
    """The engine's event log."""
    return EventLog()


@pytest.fixture
def engine_options(tmp_path: Path) -> EngineOptions:
    """A headless engine on a free loopback port, recording, logging to tmp."""
    return EngineOptions(
        listen=("127.0.0.1", 0),
        recording_dir=tmp_path / "recordings",
        log_file=tmp_path / "pjsip.log",
        log_level=5,
        stats_interval_s=1.0,
    )


@pytest.fixture
def engine(engine_options: EngineOptions, events: EventLog) -> Iterator[PhoneEngine]:
    """A started engine; stopped after the test, which must end cleanly."""
    phone = PhoneEngine(engine_options, events)
    phone.start()
    try:
        yield phone
    finally:
        phone.stop()
    assert events.of(EngineStopped) == [EngineStopped(clean=True)]


class Bots:
    """Starts bot peers; stops every one still running at teardown and checks their output."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.peers: list[BotPeer] = []

    def start(self, *args: str, env: dict[str, str] | None = None) -> BotPeer:
        """A bot with these arguments (`--listen 127.0.0.1:0` unless given)."""
        argv = list(args)
        if "--listen" not in argv:
            argv = ["--listen", "127.0.0.1:0", *argv]
        peer = BotPeer(argv, self.workdir, env)
        self.peers.append(peer)
        return peer

    def close(self) -> None:
        problems = []
        for peer in self.peers:
            code = peer.stop()
            if code != 0:
                problems.append(f"bot {peer.args} exited with {code}: {peer.stderr_path.read_text()[-2000:]}")
            if peer.reader.raw_lines:
                problems.append(f"bot {peer.args} wrote non-JSON lines: {peer.reader.raw_lines[:5]}")
        assert not problems, problems


@pytest.fixture
def bots(tmp_path: Path) -> Iterator[Bots]:
    """Factory of `agent-tui bot` peers."""
    factory = Bots(tmp_path)
    try:
        yield factory
    finally:
        factory.close()
