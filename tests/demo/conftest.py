"""Real SIP peers for the demo tests."""

from __future__ import annotations

from tests.support.sip_peers import bot_factory

__all__ = ["bot_factory"]
