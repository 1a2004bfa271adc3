"""Calls placed for a callback: the callback is closed when its call ends after being answered.

The desk claims a callback before dialling (`agent_tui.ui.desk.callbacks`), then hands the new
call's id here. When that call ends answered, the callback is closed through the outbox, so the close
survives a dead backend; a call nobody answered leaves the callback claimed by this agent, to try again.
"""

from __future__ import annotations

from agent_tui.ui.desk.services import DeskWrites


class CallbackCalls:
    """Which of this desk's calls call a callback back, and closing the callback when one was reached."""

    def __init__(self, writes: DeskWrites) -> None:
        self.writes = writes
        self.by_call: dict[str, str] = {}
        """Call id → callback id, while the call lasts."""

    def placed(self, call_id: str, callback_id: str) -> None:
        """The call `call_id` was dialled for the callback `callback_id`."""
        if callback_id:
            self.by_call[call_id] = callback_id

    def ended(self, call_id: str, answered: bool) -> str | None:
        """A call ended: when it was a callback's and it was answered, close the callback.

        Returns the outbox reference of the close, or None when nothing was closed.
        """
        callback_id = self.by_call.pop(call_id, None)
        if callback_id is None or not answered:
            return None
        return self.close(callback_id)

    def close(self, callback_id: str, *, reached: bool = True, note: str = "") -> str:
        """Queue the close of `callback_id` (by hand or after its call)."""
        return self.writes.close_callback(callback_id, reached=reached, note=note)
