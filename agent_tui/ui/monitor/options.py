"""The wallboard's settings as the UI needs them: thresholds, the paint cap, where exports go."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

Pair = tuple[float, float]


class Level(IntEnum):
    """The three-level colouring: below target (fine), standard (warning), alert."""

    OK = 0
    WARNING = 1
    ALERT = 2


def level_of(value: float | None, pair: Pair, *, lower_is_worse: bool = False) -> Level:
    """Where `value` stands against `(warning, alert)`; no value is fine."""
    if value is None:
        return Level.OK
    warning, alert = pair
    if lower_is_worse:
        return Level.ALERT if value <= alert else Level.WARNING if value <= warning else Level.OK
    return Level.ALERT if value >= alert else Level.WARNING if value >= warning else Level.OK


@dataclass(frozen=True)
class Thresholds:
    """Threshold pairs `(warning, alert)` of every coloured figure (see `[monitor]` in the config)."""

    service_level: Pair = (0.8, 0.7)
    asa_s: Pair = (20.0, 40.0)
    abandon_rate: Pair = (0.05, 0.1)
    longest_wait_s: Pair = (30.0, 60.0)
    waiting: Pair = (5.0, 10.0)
    aht_s: Pair = (360.0, 600.0)
    call_s: Pair = (600.0, 900.0)
    acw_s: Pair = (60.0, 120.0)
    not_ready_s: Pair = (900.0, 1800.0)


@dataclass(frozen=True)
class MonitorOptions:
    """How the wallboard looks and behaves for this supervisor."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    max_paints_per_s: float = 4.0
    """Repaints at most this often; changes in between are coalesced into the next paint."""
    export_dir: Path | None = None
    """Where report CSVs and exported recordings go (None: the state folder's `exports`)."""
    sip_directory: dict[str, str] = field(default_factory=dict)
    """Agent username or extension → SIP URI to call for monitoring (listen-mode phones, the demo)."""
