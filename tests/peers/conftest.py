"""Fixtures for the real-peer tests: Kamailio, SIPp and baresip from tests.support.sip_peers."""

from __future__ import annotations

from tests.support.sip_peers import baresip_factory, kamailio, sipp

__all__ = ["baresip_factory", "kamailio", "sipp"]
