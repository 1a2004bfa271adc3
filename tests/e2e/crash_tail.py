"""What a desk that stopped under test left behind, for the failure message: its crash report and log.

The desk writes an unhandled error to `log_dir()/crash` (under the test's own HOME, see
tests/conftest.py) and its log where the test config points; pytest keeps only the last few tmp
folders, so a failure seen once under load is lost unless its message carries them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from agent_tui.paths import log_dir

TAIL_LINES = 40
"""How many of the last lines of the crash report and of the log go into the message."""


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last `lines` lines of `path` ("" if it is missing)."""
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def left_behind(desk_log: Path) -> str:
    """The newest crash report's tail and the desk log's tail, or "" when there is neither."""
    parts = []
    reports = sorted((log_dir() / "crash").glob("crash-*.txt"))
    if reports:
        parts.append(f"crash report {reports[-1]}:\n{tail(reports[-1])}")
    if log_text := tail(desk_log):
        parts.append(f"desk log {desk_log}:\n{log_text}")
    return "\n\n".join(parts)


@contextmanager
def crash_in_failure(desk_log: Path, screen: Callable[[], str] | None = None) -> Iterator[None]:
    """A failure inside the block carries the desk's crash report, its log's tail and the pane's
    screen (`screen()`, read at the failure; a wait on the API alone does not show it) in its message."""
    try:
        yield
    except Exception as error:
        found = left_behind(desk_log)
        if screen is not None:
            try:
                found += f"\n\nscreen at the failure:\n{screen()}"
            except Exception as problem:  # the pane may be gone; the failure itself matters more
                found += f"\n\nscreen not read: {problem!r}"
        raise AssertionError(f"{type(error).__name__}: {error}\n\n{found}") from error
