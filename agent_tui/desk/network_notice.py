"""What the desk tells the agent when the network changes under a call (issue 17).

The phone engine reports each step of its recovery (`NetworkChange`, see `phone/ip_change.py`);
the agent needs only the ones that change what they should do: the link is gone (the caller may
hear nothing), the phone is re-registering, the call is back, or it could not be brought back.
"""

from __future__ import annotations

from agent_tui.desk.effects import Notify
from agent_tui.phone.events import NetworkChange

LOST_TIMEOUT_S = 20.0
"""The 'network lost' note stays up longer: the agent may be talking into a dead line meanwhile."""


def network_notice(event: NetworkChange) -> Notify | None:
    """The note for one step of a recovery, or None for the steps the agent need not see."""
    state = event.state
    if state == "lost":
        return Notify("Network lost: the phone waits for the link to come back…", severity="warning",
                      timeout=LOST_TIMEOUT_S)
    if state == "recovering":
        if event.call_ids:
            return Notify("Network changed: re-registering and restoring the call…", severity="warning")
        return Notify("Network changed: re-registering…", severity="warning")
    if state == "call-restored" or (state == "recovered" and event.call_ids):
        return Notify("Network changed: call restored.")
    if state == "recovered":
        return Notify("Network changed: the phone is registered again.")
    if state == "failed":
        if event.call_ids:
            return Notify("Network changed: the call could not be restored ({reason}).",
                          {"reason": event.reason}, severity="error", timeout=20.0)
        return Notify("Network changed: the phone could not register again ({reason}).",
                      {"reason": event.reason}, severity="error", timeout=20.0)
    return None  # "re-registered" with a call still to restore: the next note says it
