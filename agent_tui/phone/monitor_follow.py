"""Monitoring follows the agent's call: when the call a supervisor listens to ends, so does the listening.

A supervisor's listen, whisper or barge call is a call of its own to the agent's phone, wired by the
engine's bridge to whichever of the agent's calls is up. Left alone it outlived the customer's call and
was wired into the agent's NEXT call: the supervisor heard a customer they never chose to monitor, and
in whisper or barge was heard by one. Contact-centre suites (Genesys Cloud, Twilio Flex, Amazon Connect)
monitor an interaction, not a desk: the monitoring ends with the call. This module holds that rule once,
on plain call books (no pjsua2), so it is tested without a phone; the engine applies it when a call ends.

The call "ends" for monitoring when no answered call of the agent is left: a consult call that takes
over from a transferred caller, or a second call answered while the first is on hold, keeps the
monitoring (the supervisor is still watching the same piece of work).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from agent_tui.phone.events import MonitorMode


class Book(Protocol):
    """What the rule reads of a call's bookkeeping (`agent_tui.phone.call.CallBook`)."""

    public_id: str
    answered_at: float | None
    ended: bool
    monitor: MonitorMode | None


def monitoring_to_end(ended: Book, calls: Iterable[Book]) -> list[str]:
    """The monitoring calls to hang up now that `ended` is over (`calls`: the engine's other calls).

    Nothing when the ended call was a monitoring call itself or never answered (a missed or rejected
    ring was never monitored), or while another of the agent's calls is still up."""
    if ended.monitor is not None or ended.answered_at is None:
        return []
    books = [book for book in calls if book is not ended and not book.ended]
    if any(book.monitor is None and book.answered_at is not None for book in books):
        return []
    return [book.public_id for book in books if book.monitor is not None]
