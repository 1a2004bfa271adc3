"""Dates typed by the supervisor (`YYYY-MM-DD`, local time) and where exports go."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

from agent_tui.paths import state_dir
from agent_tui.private_files import private_folder

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadDate(ValueError):
    """Not a date in the form YYYY-MM-DD."""


def parse_day(text: str) -> date | None:
    """`2024-05-01` → a date; blank → None."""
    text = text.strip()
    if not text:
        return None
    if not _DATE.fullmatch(text):
        raise BadDate(text)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise BadDate(text) from error


def day_start(day: date) -> datetime:
    """Local midnight at the start of `day`, timezone-aware."""
    return datetime(day.year, day.month, day.day).astimezone()


def day_range(first: date | None, last: date | None, *, default_days: int = 1) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last` (both included); today when neither is given."""
    today = datetime.now().astimezone().date()
    last = last or first or today
    first = first or (last - timedelta(days=default_days - 1))
    if last < first:
        first, last = last, first
    return day_start(first), day_start(last + timedelta(days=1))


def export_folder(configured: Path | None) -> Path:
    """The export folder (made when missing)."""
    return private_folder(configured or state_dir() / "exports")


def safe_name(text: str) -> str:
    """`text` usable in a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:80] or "file"
