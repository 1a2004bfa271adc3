"""What the status bar says about the backend link: the outbox's state read together with `LinkHealth`.

One rule, so the desk (and any other front end) does not grow its own: online only while the health
model says the backend answers properly and the outbox is not stopped by a refused certificate or a
401; the reason shown is the outbox's for a TLS failure, else the health model's while offline.
"""

from __future__ import annotations

from agent_tui.sync.link_health import LinkHealthStatus
from agent_tui.sync.outbox import LinkState, OutboxStatus

_STOPPED = (LinkState.TLS_ERROR, LinkState.NEEDS_LOGIN)
"""Outbox states in which nothing is delivered whatever the backend does: shown offline."""


def link_summary(outbox: OutboxStatus, health: LinkHealthStatus | None) -> tuple[bool, str]:
    """(online, detail) for the status bar; `health` None: the outbox alone decides (its old rule)."""
    detail = outbox.last_error or ""
    if health is None:
        return outbox.link in (LinkState.ONLINE, LinkState.UNKNOWN), detail
    online = health.online is True and outbox.link not in _STOPPED
    if health.online is not True and outbox.link != LinkState.TLS_ERROR:
        detail = health.detail or detail
    return online, detail
