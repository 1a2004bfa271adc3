"""Crash reports: an unhandled error is written to a file for the team, never shown as a traceback.

A report holds the traceback without local variables (locals can hold what an agent typed, passwords
included), the version and the time, with anything that looks like a credential masked. Reports go to
`log_dir()/crash`, readable by the user only; the newest `KEEP` are kept.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

KEEP = 20
"""How many crash reports are kept (the oldest go first)."""

_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:password|passwd|secret|token|key)[\"']?\s*[=:]\s*[\"']?)[^\s\"',;&]+"),
    re.compile(r"(?i)(://[^:/@\s]+:)[^@\s]+(@)"),
)


def mask_secrets(text: str) -> str:
    """`text` with bearer tokens, `password=...`-like values and URL passwords replaced by `***`."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***" + (m.group(2) if m.lastindex == 2 else ""), text)
    return text


def crash_text(error: BaseException, *, now: datetime | None = None, version: str = "") -> str:
    """The report for `error`: time, version, Python, and the traceback without locals, masked."""
    when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    lines = [f"agent-tui {version or 'unknown version'} crashed at {when}",
             f"Python {sys.version.split()[0]} on {sys.platform}", ""]
    lines += traceback.format_exception(error)
    return mask_secrets("\n".join(line.rstrip("\n") for line in lines)) + "\n"


def write_crash_report(error: BaseException, folder: Path, *, version: str = "",
                       now: datetime | None = None) -> Path:
    """Write the report for `error` into `folder` (made private if new); returns its path."""
    moment = now or datetime.now(UTC)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / f"crash-{moment:%Y%m%d-%H%M%S}-{os.getpid()}.txt"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(crash_text(error, now=moment, version=version))
    for old in sorted(folder.glob("crash-*.txt"))[:-KEEP]:
        old.unlink(missing_ok=True)
    return path
