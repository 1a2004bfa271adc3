"""`[monitor]`: the supervisor's wallboard: warning and alert levels, refresh cap, exports."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, field_validator

from agent_tui.config.section import FilePath, Section


def _pair(value: object) -> object:
    # TOML has arrays, not tuples: take `[warning, alert]` as the pair it means, even when strict.
    if isinstance(value, list):
        if len(value) != 2:
            raise ValueError(f"expected [warning, alert], got {len(value)} values")
        return tuple(value)
    return value


Thresholds = Annotated[tuple[float, float], BeforeValidator(_pair)]
"""Two limits of one figure: `[warning, alert]` (the standard level, then the alert level)."""


class MonitorSettings(Section):
    """The supervisor's wallboard (`agent-tui monitor`): warning levels, refresh cap, exports.

    Each threshold pair is `[warning, alert]`. For figures where more is worse (waits, times, abandons)
    a value at or above the first is shown as standard (warning) and at or above the second as alert;
    for service level, where less is worse, at or below.
    """

    max_paints_per_s: float = Field(default=4.0, gt=0, le=30)
    """The wallboard repaints at most this often; updates in between are coalesced."""
    service_level: Thresholds = (0.8, 0.7)
    """Service level (answered within the queue's threshold ÷ offered) at or below these: warning, alert."""
    asa_s: Thresholds = (20.0, 40.0)
    """Average speed of answer, seconds."""
    abandon_rate: Thresholds = (0.05, 0.1)
    """Abandon rate (short abandons excluded), as a fraction."""
    longest_wait_s: Thresholds = (30.0, 60.0)
    """Longest wait of a caller in the queue now, seconds."""
    waiting: Thresholds = (5.0, 10.0)
    """Callers waiting in one queue."""
    aht_s: Thresholds = (360.0, 600.0)
    """Average handle time (talk + hold + ACW), seconds."""
    call_s: Thresholds = (600.0, 900.0)
    """An agent's current call longer than this, seconds."""
    acw_s: Thresholds = (60.0, 120.0)
    """An agent's after-call work longer than this, seconds."""
    not_ready_s: Thresholds = (900.0, 1800.0)
    """An agent Not Ready longer than this, seconds."""
    export_dir: FilePath | None = None
    """Where report CSVs and exported recordings are written (default: the state folder's `exports`)."""

    @field_validator("service_level", "asa_s", "abandon_rate", "longest_wait_s", "waiting", "aht_s",
                     "call_s", "acw_s", "not_ready_s")
    @classmethod
    def _non_negative(cls, value: tuple[float, float]) -> tuple[float, float]:
        if min(value) < 0:
            raise ValueError(f"expected values >= 0, got {list(value)}")
        return value
