"""How the monitor says its live feed stopped: one wording for the wallboard and the panels over it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime


def stale_label(stale_since: datetime, t: Callable[..., str]) -> str:
    """"stale since 09:30:15" in local time, translated by `t`."""
    return t("stale since {time}", time=stale_since.astimezone().strftime("%H:%M:%S"))
