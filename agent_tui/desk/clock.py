"""The desk model's clock, injected so tests (and the property test) drive time by hand."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agent_tui.domain.base import utc_now


@dataclass(frozen=True)
class DeskClock:
    """Two readings of one clock: `monotonic` for durations (ACW, hold), `wall` for the call record."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], datetime] = utc_now


@dataclass
class ManualClock:
    """A clock that moves only when told (tests): `advance(s)` moves both readings together."""

    seconds: float = 1000.0
    start: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC))

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass."""
        self.seconds += seconds

    def desk_clock(self) -> DeskClock:
        """This clock as the model reads it."""
        return DeskClock(monotonic=lambda: self.seconds,
                         wall=lambda: self.start + timedelta(seconds=self.seconds))
