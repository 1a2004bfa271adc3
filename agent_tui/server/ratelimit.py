"""Login rate limiting: too many failed logins for one user from one address lock that pair out a while.

Counted per (username, client address), so a guesser cannot lock a real user out from elsewhere and one
address cannot try one password against many users faster than against one (each pair has its own
budget, but a pair is all a guesser gets per user). A success clears the pair's failures. Kept in
memory per process: with several workers each one counts on its own, which still bounds guessing to
workers × budget per window.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from agent_tui.server.settings import ServerSettings

Clock = Callable[[], float]
Key = tuple[str, str]


class LoginLimiter:
    """Sliding-window counter of failed logins per (username, address).

    `max_failures` failures within `window_s` seconds block further attempts of that pair until the
    oldest failure leaves the window. At most `max_keys` pairs are tracked; the least recently failed
    pair is forgotten first, so a flood of made-up usernames cannot exhaust memory.
    """

    def __init__(
        self, max_failures: int, window_s: float, *, max_keys: int = 10_000, clock: Clock = time.monotonic
    ) -> None:
        if max_failures < 1 or window_s <= 0 or max_keys < 1:
            raise ValueError("max_failures, window_s and max_keys must be positive")
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[Key, deque[float]] = OrderedDict()
        # Login runs in the threadpool (a sync route): several requests may count at once.
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: ServerSettings) -> LoginLimiter:
        """The limiter the settings ask for."""
        return cls(settings.login_max_failures, settings.login_window_s)

    @staticmethod
    def key(username: str, address: str | None) -> Key:
        """The counted pair: usernames compared case-insensitively, an unknown address as `?`."""
        return username.casefold(), address or "?"

    def retry_after(self, key: Key) -> int | None:
        """Whole seconds until `key` may try again, or None when it may try now."""
        with self._lock:
            failures = self._recent(key)
            if failures is None or len(failures) < self.max_failures:
                return None
            # Blocked until enough failures have aged out to drop below the limit.
            release = failures[len(failures) - self.max_failures] + self.window_s
            return max(1, math.ceil(release - self._clock()))

    def failed(self, key: Key) -> None:
        """Count a failed login of `key`."""
        with self._lock:
            failures = self._recent(key)
            if failures is None:
                failures = self._failures[key] = deque()
            failures.append(self._clock())
            # Only the last max_failures matter for the decision: keep memory per key bounded.
            while len(failures) > self.max_failures:
                failures.popleft()
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def succeeded(self, key: Key) -> None:
        """A good login: forget `key`'s failures."""
        with self._lock:
            self._failures.pop(key, None)

    def tracked(self) -> int:
        """How many pairs have failures on record (for tests and diagnostics)."""
        with self._lock:
            return len(self._failures)

    def _recent(self, key: Key) -> deque[float] | None:
        """The failures of `key` still inside the window (older ones dropped); None when there are none."""
        failures = self._failures.get(key)
        if failures is None:
            return None
        horizon = self._clock() - self.window_s
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures
