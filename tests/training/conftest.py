"""Fixtures of the training tests: real SIP peers (the `agent-tui bot` plays the trainee's desk)."""

from __future__ import annotations

from tests.support.sip_peers import bot_factory

__all__ = ["bot_factory"]
