"""Messages that carry events from other threads (phone engine, outbox, SSE) into the App.

They are posted with `App.post_message`, which is thread-safe. Frequent status messages replace their
queued predecessors (as Toolong does), so a burst of media statistics never backs up the UI.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from agent_tui.domain.events import Event
from agent_tui.phone.events import CallStats, Health
from agent_tui.sync.desk_link import LinkStatus


class PhoneEventMessage(Message):
    """One event from the phone engine."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event
        """The `agent_tui.phone.events` dataclass."""

    def can_replace(self, message: Message) -> bool:
        """A newer media-statistics or health report makes a queued one of the same call/account stale."""
        if not isinstance(message, PhoneEventMessage):
            return False
        new, old = self.event, message.event
        if isinstance(new, CallStats) and isinstance(old, CallStats):
            return new.call_id == old.call_id and not old.final
        if isinstance(new, Health) and isinstance(old, Health):
            return new.account == old.account
        return False


class LinkStatusMessage(Message):
    """The outbox's view of the backend link changed."""

    def __init__(self, status: LinkStatus) -> None:
        super().__init__()
        self.status = status

    def can_replace(self, message: Message) -> bool:
        """Only the latest link status matters (reports of a delivered write are all kept)."""
        return (isinstance(message, LinkStatusMessage) and message.status.delivered is None
                and self.status.delivered is None)


class LiveEventMessage(Message):
    """One event from the backend's live stream."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event
