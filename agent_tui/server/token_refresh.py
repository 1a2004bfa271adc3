"""Checks the tokens in use again, in one query per batch, before their cache entries run out.

Without it every desk's token misses `TokenCache` once per `ttl_s` (5 s) and that request pays a token
query on a worker thread; at 1,000 agents each sending a state change a second that is ~200 queries
and thread hops a second, a fifth of the requests. With it one query every `ttl_s / 2` re-checks all
the tokens used since their last check, and the revocation bound stays what it was: an entry is never
trusted longer than `ttl_s` after the database last confirmed it (a refresh that is late or fails
leaves the entries to run out, and requests check their token themselves as before).
"""

from __future__ import annotations

import asyncio
import logging

from agent_tui.server.auth import TokenCache, authenticate_many
from agent_tui.server.background import BackgroundLoop
from agent_tui.server.db import Database

log = logging.getLogger(__name__)


class TokenRefresher(BackgroundLoop):
    """The background task of one process: `start` in the app's lifespan, `stop` at its end."""

    task_name = "token-refresh"

    def __init__(self, db: Database, cache: TokenCache) -> None:
        super().__init__()
        self.db = db
        self.cache = cache
        self.period_s = cache.ttl_s / 2

    async def refresh_once(self) -> int:
        """Check the tokens that are due; answer how many were asked about."""
        # Entries whose trust runs out before the next round: used since their last check.
        due = self.cache.due(within_s=self.period_s * 1.5)
        if not due:
            return 0
        started = self.cache.now()
        found = await asyncio.to_thread(authenticate_many, self.db, due)
        self.cache.refreshed(due, found, started)
        return len(due)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.period_s)
            try:
                await self.refresh_once()
            except Exception:  # the database away for a moment: requests check their own tokens
                log.warning("token refresh failed; requests check their tokens themselves", exc_info=True)
