"""The wallboard's settings as the UI needs them: thresholds, the paint cap, where exports go.

The defaults are `[monitor]`'s (`agent_tui.config.monitor.MonitorSettings`), read from there: a second
copy of the numbers here drifted from the config's documented ones once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import IntEnum
from pathlib import Path

from agent_tui.config.monitor import MonitorSettings

Pair = tuple[float, float]

_DEFAULTS = MonitorSettings()


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

    service_level: Pair = _DEFAULTS.service_level
    asa_s: Pair = _DEFAULTS.asa_s
    abandon_rate: Pair = _DEFAULTS.abandon_rate
    longest_wait_s: Pair = _DEFAULTS.longest_wait_s
    waiting: Pair = _DEFAULTS.waiting
    aht_s: Pair = _DEFAULTS.aht_s
    call_s: Pair = _DEFAULTS.call_s
    acw_s: Pair = _DEFAULTS.acw_s
    not_ready_s: Pair = _DEFAULTS.not_ready_s

    @classmethod
    def of(cls, monitor: MonitorSettings) -> Thresholds:
        """The pairs of a loaded `[monitor]` section."""
        return cls(**{f.name: getattr(monitor, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class MonitorOptions:
    """How the wallboard looks and behaves for this supervisor."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    max_paints_per_s: float = _DEFAULTS.max_paints_per_s
    """Repaints at most this often; changes in between are coalesced into the next paint."""
    export_dir: Path | None = None
    """Where report CSVs and exported recordings go (None: the state folder's `exports`)."""
    sip_directory: dict[str, str] = field(default_factory=dict)
    """Agent username or extension → SIP URI to call for monitoring (listen-mode phones, the demo)."""
