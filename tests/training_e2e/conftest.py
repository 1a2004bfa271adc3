"""Fixtures of the trainer-mode end-to-end tests: the real backend and Kamailio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.backend import RealBackend
from tests.support.sip_peers import kamailio

__all__ = ["kamailio", "real_backend"]


@pytest.fixture
def real_backend(tmp_path: Path) -> Iterator[RealBackend]:
    """`agent-tui server --seed demo` on a free port, stopped by its process group afterwards."""
    workdir = tmp_path / "backend"
    workdir.mkdir()
    server = RealBackend(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert not server.leftover_pids(), "backend processes left running"
