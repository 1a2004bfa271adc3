"""Fixtures for the real-peer tests: Kamailio, SIPp, baresip and agent-tui bot (tests.support.sip_peers)."""

from __future__ import annotations

from tests.support.sip_peers import baresip_factory, bot_factory, kamailio, sipp

__all__ = ["baresip_factory", "bot_factory", "kamailio", "sipp"]
