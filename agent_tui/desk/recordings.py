"""Checks on call recordings at the desk: is there room to record this call, does a recording hold audio."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from agent_tui.desk.effects import Notify

log = logging.getLogger(__name__)

WAV_HEADER_BYTES = 44
"""A WAV file this size or smaller holds no audio."""


def free_mb(folder: Path | None) -> float | None:
    """Free space where recordings go, in MB (None when recording is off; 0 when it cannot be read)."""
    if folder is None:
        return None
    try:
        return shutil.disk_usage(folder).free / 1_048_576
    except OSError:
        return 0.0


def space_warning(folder: Path | None, min_free_mb: int) -> Notify | None:
    """At answer: a warning when this call is unlikely to be recorded (the call goes on regardless)."""
    free = free_mb(folder)
    if free is None or free >= min_free_mb:
        return None
    return Notify("The recordings disk is almost full ({free} MB free): this call may not be recorded.",
                  {"free": f"{free:.0f}"}, severity="warning", timeout=10)


def empty_recording(path: str, folder: Path | None, min_free_mb: int) -> Notify | None:
    """A recording that holds no audio (a WAV header is 44 bytes) failed: what to tell the agent."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0
    if size > WAV_HEADER_BYTES:
        return None
    log.warning("recording is empty: %s", path)
    free = free_mb(folder)
    if free is not None and free < min_free_mb:
        return Notify("Recording failed: the recordings disk is full.", severity="error", timeout=10)
    return Notify("Recording failed: {path} holds no audio.", {"path": path[:200]}, severity="error",
                  timeout=10)
