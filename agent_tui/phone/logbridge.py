"""pjsip's log into our log file, never onto the terminal."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pjsua2 as pj

from agent_tui.phone.sanitize import log_safe
from agent_tui.phone.sip_trace import SipTrace
from agent_tui.private_files import open_private, private_folder


class PjLogWriter(pj.LogWriter):  # type: ignore[misc]
    """Receives every pjsip log line (from any pjsip thread), appends those up to `file_level` to a
    file and hands each to the SIP trace (which keeps the SIP messages of calls).

    The engine keeps a reference for the library's whole life: pjsua2 holds only a raw pointer.
    """

    def __init__(self, path: Path | None, trace: SipTrace | None = None, file_level: int = 6) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self.trace = trace
        self.file_level = file_level
        """pjsip may log more than the file wants (level 4 for the trace): lines above this stay out."""
        if path is not None:
            private_folder(path.parent)
            self._file = open_private(path, "a", encoding="utf-8", errors="replace")

    def write(self, entry: pj.LogEntry) -> None:
        """pjsua2 callback: one formatted log line."""
        try:
            text = str(entry.msg)
            if self.trace is not None:
                self.trace.feed(text)  # cleans what it keeps: caller-controlled bytes included
            if self._file is None or int(entry.level) > self.file_level:
                return
            # pjsip logs whole SIP messages: caller-controlled bytes included.
            message = log_safe(text)
            with self._lock:
                self._file.write(message if message.endswith("\n") else message + "\n")
                self._file.flush()
        except Exception:  # noqa: S110 - a failing log must never break the SIP stack
            pass

    def note(self, message: str) -> None:
        """A line of our own (engine events, callback failures) in the same file."""
        if self._file is None:
            return
        with self._lock:
            self._file.write(f"agent-tui: {log_safe(message)}\n")
            self._file.flush()

    def close(self) -> None:
        """Close the file; later lines are dropped."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


@contextlib.contextmanager
def silenced_stdout() -> Iterator[None]:
    """Point fd 1 at /dev/null for the duration (libCreate prints a banner before logging is set)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
