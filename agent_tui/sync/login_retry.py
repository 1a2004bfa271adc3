"""Logging in at start-up keeps trying while the backend cannot be reached.

An agent whose password comes from the credential store (or the environment) never sees a login
form: the desk logs in by itself as it starts. When the backend was down at that moment, the desk used
to try once and then sat offline for the rest of the shift, and the writes it had queued before the
restart were never sent (QA, issue 11). An unreachable backend is a passing condition, so the start-up
login tries again with a growing delay until the backend answers; a refusal (wrong password, locked
account) is not, and ends the loop at once with its error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from agent_tui.sync.errors import BackendUnavailable
from agent_tui.sync.retry import Backoff

T = TypeVar("T")

LOGIN_BACKOFF = Backoff(base=1.0, cap=10.0, jitter=True)
"""Delays between start-up logins: about 1, 2, 4, 8, then at most 10 s, spread by jitter so a room of
desks started during an outage does not hit the restarted backend at once. 10 s is the time the
header may take to show a change of the backend's status (issue 11)."""

UNREACHABLE = (BackendUnavailable, TimeoutError, ConnectionError)
"""Errors after which the same login may succeed later."""


async def log_in_until_reachable(
    attempt: Callable[[], Awaitable[T]],
    *,
    on_unreachable: Callable[[BaseException, int], None],
    backoff: Backoff = LOGIN_BACKOFF,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """Run `attempt` until it returns; after an unreachable backend call `on_unreachable(error,
    failures)` and wait `backoff`'s delay. Any other error is raised at once."""
    failures = 0
    while True:
        try:
            return await attempt()
        except UNREACHABLE as error:
            failures += 1
            on_unreachable(error, failures)
            await sleep(backoff.delay(failures - 1))
