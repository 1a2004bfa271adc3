"""`LinkHealth`: whether the backend answers, judged from what really goes over the wire.

Found before: the header said "Online" while the login got an HTML page or stalled, and for 20 s
after the backend was killed, because "online" meant "the outbox has not failed yet" and an empty
outbox never tries. Now every exchange reports its outcome here (`BackendClient.on_exchange`: each
REST call and outbox send, the opening and every chunk of the event stream), and `LinkProber`
sends a light health check only when nothing else was exchanged lately. The rules:

- The latest outcome decides: an answer that fits the contract means online; a transport error, a
  timeout, a 5xx or garbage (not JSON where JSON was asked for, a wrong shape, a redirect) means
  offline. A 4xx with a proper problem body is a live backend saying no: online.
- Nothing heard yet is "not known" (`online is None`), never online: a backend that only ever
  answers garbage is never shown online.
- An online link that hears nothing for `stale_after_s` goes offline (the prober keeps a healthy
  link busier than that), so a stalled backend shows within `stale_after_s` even if a request hangs.

A plain model: no asyncio, no httpx; the clock is injected so tests step it by hand. Thread-safe
(a lock), though the client reports from one event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class ExchangeOutcome(StrEnum):
    """How one exchange with the backend went."""

    OK = "ok"
    """An answer that fits the contract (2xx, or a 4xx with a problem body)."""
    TRANSPORT_ERROR = "transport_error"
    """Refused, reset, DNS or TLS failure: no answer at all."""
    TIMEOUT = "timeout"
    """No answer in time (connect, read, or the health probe's own limit)."""
    SERVER_ERROR = "server_error"
    """5xx: something answers, but the backend cannot serve."""
    GARBAGE = "garbage"
    """An answer that is not the backend speaking: not JSON, a wrong shape, a redirect."""


@dataclass(frozen=True)
class LinkHealthStatus:
    """What the model says about the link now."""

    online: bool | None
    """True: the backend answered properly last; False: it failed last (or went quiet); None: not known."""
    detail: str = ""
    """Why it is offline (empty when online)."""
    since: float = 0.0
    """Clock time of the last change of `online`."""
    cause: ExchangeOutcome | None = None
    """Offline: the kind of failure that made it so (a silent link counts as a timeout)."""
    recovered_from: ExchangeOutcome | None = None
    """Online: the `cause` of the offline spell this ended (None: it was not offline before)."""

    @property
    def reachable_again(self) -> bool:
        """Online after the backend could not be reached at all (refused, timed out): writes held back
        by a backoff can go now. Not after 5xx or garbage: those may well fail again."""
        return self.online is True and self.recovered_from in (ExchangeOutcome.TRANSPORT_ERROR,
                                                               ExchangeOutcome.TIMEOUT)


HealthListener = Callable[[LinkHealthStatus], None]


class LinkHealth:
    """The link-health model: fed exchange outcomes, says online/offline and when to probe."""

    def __init__(
        self,
        *,
        probe_interval_s: float = 3.0,
        probe_timeout_s: float | None = None,
        stale_after_s: float | None = None,
        clock: Clock = time.monotonic,
        on_change: HealthListener | None = None,
    ) -> None:
        """`probe_interval_s`: quiet time before a probe (and between probes while offline).

        `probe_timeout_s` (default: the interval) bounds a probe; `stale_after_s` (default: interval
        + timeout + 2 s) is how long an online link may stay silent before it counts as offline.
        """
        if probe_interval_s <= 0:
            raise ValueError("probe_interval_s must be positive")
        self.probe_interval_s = probe_interval_s
        self.probe_timeout_s = probe_timeout_s if probe_timeout_s is not None else probe_interval_s
        self.stale_after_s = (stale_after_s if stale_after_s is not None
                              else probe_interval_s + self.probe_timeout_s + 2.0)
        self._clock = clock
        self._lock = threading.Lock()
        self._listeners: list[HealthListener] = [on_change] if on_change is not None else []
        self._online: bool | None = None
        self._detail = ""
        self._cause: ExchangeOutcome | None = None
        self._recovered_from: ExchangeOutcome | None = None
        self._since = clock()
        self._last_exchange_at: float | None = None
        """When the last exchange (of any outcome) finished."""
        self._last_probe_at: float | None = None
        """When the last probe was sent."""
        self.failures = 0
        """Failed exchanges in a row."""

    # -- input -----------------------------------------------------------------------------------

    def add_listener(self, listener: HealthListener) -> None:
        """Also tell `listener` every change of `online` (and of the reason while offline)."""
        self._listeners.append(listener)

    def report(self, outcome: ExchangeOutcome, detail: str = "") -> None:
        """One exchange finished with `outcome`; `detail` says what failed (shown to the user)."""
        ok = outcome is ExchangeOutcome.OK
        with self._lock:
            self._last_exchange_at = self._clock()
            self.failures = 0 if ok else self.failures + 1
            changed = self._set(ok, "" if ok else (detail or outcome.value), None if ok else outcome)
        if changed is not None:
            self._tell(changed)

    def probe_sent(self) -> None:
        """The prober sent a health probe now."""
        with self._lock:
            self._last_probe_at = self._clock()

    def check(self) -> None:
        """Apply the silence rule: an online link that heard nothing for `stale_after_s` is offline."""
        with self._lock:
            now = self._clock()
            heard = self._last_exchange_at if self._last_exchange_at is not None else self._since
            if self._online is not True or now - heard < self.stale_after_s:
                return
            changed = self._set(False, f"no answer from the backend for {now - heard:.0f} s",
                                ExchangeOutcome.TIMEOUT)
        if changed is not None:
            self._tell(changed)

    # -- output ----------------------------------------------------------------------------------

    @property
    def online(self) -> bool | None:
        """True, False, or None while nothing was heard yet."""
        return self._online

    def status(self) -> LinkHealthStatus:
        """A snapshot."""
        with self._lock:
            return LinkHealthStatus(self._online, self._detail, self._since, self._cause,
                                    self._recovered_from)

    def probe_in(self) -> float:
        """Seconds until a probe is due (0: now).

        Online or not known: after `probe_interval_s` without any exchange or probe, so a busy link
        costs no probes. Offline: every `probe_interval_s` from the last probe, whatever real
        requests do meanwhile (the outbox may be backing off for 30 s), so recovery shows soon.
        """
        with self._lock:
            now = self._clock()
            marks = [self._last_probe_at]
            if self._online is not False:
                marks.append(self._last_exchange_at)
            last = max((mark for mark in marks if mark is not None), default=None)
            if last is None:
                return 0.0
            return min(max(0.0, last + self.probe_interval_s - now), self.probe_interval_s)

    # -- internals -------------------------------------------------------------------------------

    def _set(self, online: bool, detail: str, cause: ExchangeOutcome | None) -> LinkHealthStatus | None:
        """Change the state (lock held); the new status when listeners must hear of it."""
        if online == self._online and detail == self._detail:
            return None
        if online != self._online:
            self._since = self._clock()
            self._recovered_from = self._cause if online else None
        self._online = online
        self._detail = detail
        self._cause = cause
        return LinkHealthStatus(online, detail, self._since, cause, self._recovered_from)

    def _tell(self, status: LinkHealthStatus) -> None:
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:  # a broken listener must not break the client that reported
                log.exception("link health: a listener failed")
