"""Fixtures for the end-to-end tests: tmux terminals, the real backend, Kamailio and SIPp."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.backend import RealBackend
from tests.e2e.tmux import TmuxSession
from tests.support.peers import require_binary
from tests.support.sip_peers import kamailio, sipp

__all__ = ["backend", "kamailio", "sipp", "terminal"]

TerminalFactory = Callable[..., TmuxSession]


@pytest.fixture
def terminal() -> Iterator[TerminalFactory]:
    """`terminal(width=80, height=24)` -> a TmuxSession; every one is closed (and checked) afterwards."""
    binary = require_binary("tmux", "tmux")
    sessions: list[TmuxSession] = []

    def make(width: int = 80, height: int = 24) -> TmuxSession:
        session = TmuxSession(binary, width, height)
        sessions.append(session)
        return session

    yield make
    problems: list[str] = []
    for session in sessions:
        try:
            session.close()
        except AssertionError as error:
            problems.append(str(error))
    assert not problems, problems


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[RealBackend]:
    """The reference backend with the demo seed on a free port and a tmp SQLite file."""
    workdir = tmp_path / "backend"
    workdir.mkdir()
    server = RealBackend(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    leftovers = server.leftover_pids()
    assert not leftovers, f"backend processes left running: {leftovers}"
