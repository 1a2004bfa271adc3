"""Login back-off: failed logins slow down further tries of the same user, and of the same address.

Counted twice, separately: per username (a guesser elsewhere cannot try faster) and per client address
(one address cannot spray passwords over many users). Keying on the (user, address) pair let agents
behind one NAT lock each other out and let a guesser lock a user out outright; instead each failure past
a free budget asks for a wait that doubles up to `MAX_DELAY_S`, and after that wait the next try is
checked as usual, so the right password always gets in. A success clears its user's count (not the
address's: a guesser with an account of its own must not reset the address count by logging in).
Kept in memory per process: with several workers each one counts on its own.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from agent_tui.server.settings import ServerSettings

Clock = Callable[[], float]

MAX_DELAY_S = 30.0
"""The longest wait a back-off asks for: never a lock the right password cannot pass after it."""

FIRST_DELAY_S = 1.0
"""The wait after the first failure past the free budget; each further failure doubles it."""

ADDRESS_BUDGET_FACTOR = 10
"""An address gets this many times the per-user free failures: a whole floor may sit behind one NAT."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """A wait asked of a user or an address after a failure (what the audit trail records)."""

    kind: str
    """`user` or `address`."""
    key: str
    failures: int
    delay_s: float


@dataclass(slots=True)
class _Count:
    failures: int
    last: float


class LoginLimiter:
    """Failed logins per username and per address, each within `window_s` of the last failure.

    `max_failures` failures of a user (`ADDRESS_BUDGET_FACTOR` times as many of an address) are free;
    each one after that asks for a wait from the last failure, doubling from `FIRST_DELAY_S` up to
    `max_delay_s`. A key whose last failure is older than `window_s` is forgotten. At most `max_keys`
    keys of each kind are tracked, the least recently failed forgotten first.
    """

    def __init__(
        self, max_failures: int, window_s: float, *, max_keys: int = 10_000, max_delay_s: float = MAX_DELAY_S,
        clock: Clock = time.monotonic,
    ) -> None:
        if max_failures < 1 or window_s <= 0 or max_keys < 1 or max_delay_s <= 0:
            raise ValueError("max_failures, window_s, max_keys and max_delay_s must be positive")
        self.free = {"user": max_failures, "address": max_failures * ADDRESS_BUDGET_FACTOR}
        self.window_s = window_s
        self.max_keys = max_keys
        self.max_delay_s = max_delay_s
        self._clock = clock
        self._counts: dict[str, OrderedDict[str, _Count]] = {"user": OrderedDict(), "address": OrderedDict()}
        # Login runs in the threadpool (a sync route): several requests may count at once.
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: ServerSettings) -> LoginLimiter:
        """The limiter the settings ask for."""
        return cls(settings.login_max_failures, settings.login_window_s)

    @staticmethod
    def keys(username: str, address: str | None) -> dict[str, str]:
        """The counted keys: the username compared case-insensitively, an unknown address as `?`."""
        return {"user": username.casefold(), "address": address or "?"}

    def delay(self, kind: str, failures: int) -> float:
        """The wait after `failures` failures of a key of this kind (0: none)."""
        over = failures - self.free[kind]
        if over <= 0:
            return 0.0
        return min(self.max_delay_s, FIRST_DELAY_S * 2.0 ** min(over - 1, 32))

    def retry_after(self, username: str, address: str | None) -> int | None:
        """Whole seconds until this user from this address may try again, or None when it may try now."""
        now = self._clock()
        waits: list[float] = []
        with self._lock:
            for kind, key in self.keys(username, address).items():
                count = self._recent(kind, key, now)
                if count is not None:
                    waits.append(count.last + self.delay(kind, count.failures) - now)
        wait = max(waits, default=0.0)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def failed(self, username: str, address: str | None) -> list[Backoff]:
        """Count a failed login; answer the back-offs it starts or lengthens (for the audit trail)."""
        now = self._clock()
        started: list[Backoff] = []
        with self._lock:
            for kind, key in self.keys(username, address).items():
                counts = self._counts[kind]
                count = self._recent(kind, key, now)
                if count is None:
                    count = counts[key] = _Count(0, now)
                count.failures += 1
                count.last = now
                counts.move_to_end(key)
                while len(counts) > self.max_keys:
                    counts.popitem(last=False)
                delay = self.delay(kind, count.failures)
                if delay > 0:
                    started.append(Backoff(kind, key, count.failures, delay))
        return started

    def succeeded(self, username: str) -> None:
        """A good login: forget the user's failures."""
        with self._lock:
            self._counts["user"].pop(username.casefold(), None)

    def tracked(self) -> int:
        """How many users and addresses have failures on record (for tests and diagnostics)."""
        with self._lock:
            return sum(len(counts) for counts in self._counts.values())

    def _recent(self, kind: str, key: str, now: float) -> _Count | None:
        """The key's count when its last failure is inside the window (an older one is forgotten)."""
        counts = self._counts[kind]
        count = counts.get(key)
        if count is not None and now - count.last >= self.window_s:
            del counts[key]
            return None
        return count
