"""Fixtures for the real-peer tests: Kamailio, SIPp and baresip from tests.support.sip_peers."""

from __future__ import annotations

from tests.support.sip_peers import kamailio, sipp

__all__ = ["kamailio", "sipp"]
