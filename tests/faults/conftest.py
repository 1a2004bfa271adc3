"""Fixtures of the fault tests: the end-to-end ones (backend, tmux terminals, Kamailio, SIPp)."""

from __future__ import annotations

from tests.e2e.conftest import backend, terminal
from tests.support.sip_peers import kamailio, sipp

__all__ = ["backend", "kamailio", "sipp", "terminal"]
