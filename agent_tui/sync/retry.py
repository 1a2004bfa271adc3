"""Backoff with jitter and Retry-After parsing, shared by reads, the event stream and the outbox."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Statuses after which the same request may succeed later."""


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n)).

    Full jitter spreads reconnecting clients so a restarted backend is not hit by all at once.
    """

    base: float = 0.2
    cap: float = 10.0
    jitter: bool = True

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number `attempt` (0 = the first retry)."""
        ceiling = min(self.cap, self.base * (2.0 ** min(attempt, 30)))
        if not self.jitter:
            return ceiling
        # Never zero, so a tight loop cannot form even with an unlucky draw.
        return max(ceiling * 0.1, (rng or random).uniform(0, ceiling))


@dataclass(frozen=True)
class RetryPolicy:
    """How reads are retried: bounded both in attempts and in total time."""

    attempts: int = 4
    """Tries in all, the first included."""
    total: float = 15.0
    """Seconds after which no new try starts."""
    backoff: Backoff = Backoff(base=0.2, cap=4.0)
    retry_after_cap: float = 30.0
    """A Retry-After longer than this is cut to it."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks us to wait (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
