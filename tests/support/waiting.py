"""Waiting in tests without sleeping for a fixed time: poll with a deadline, read output with a deadline.

A test that sleeps "long enough" is slow on a fast machine and flaky on a slow one. These helpers return
as soon as the condition holds and fail with a clear message when the deadline passes.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO, Any, TypeVar

T = TypeVar("T")

JsonObject = dict[str, Any]


class WaitTimeout(AssertionError):
    """A condition did not hold before its deadline (an AssertionError, so pytest shows it as a failure)."""


def wait_for(
    predicate: Callable[[], T | None],
    timeout: float,
    interval: float = 0.02,
    message: str = "condition",
) -> T:
    """Poll `predicate` until it returns a truthy value and return that value; fail after `timeout` s.

    The predicate runs at least once, even with a zero timeout. Exceptions from it propagate: a
    predicate that wants to tolerate errors catches them itself.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(f"timed out after {timeout:.2f} s waiting for {message}")
        # A condition variable would be nicer, but the predicates watch other processes.
        time.sleep(min(interval, remaining))


class _EndOfStream:
    """Marker put on the queue when the stream closes."""


class JsonLineReader:
    """Reads a subprocess's stdout line by line on a daemon thread; keeps every object seen.

    Lines that are not JSON objects are kept in `raw_lines` (a test can assert there are none).
    Create one reader per process and call `until()` as often as needed: lines are never lost
    between calls.
    """

    def __init__(self, stream: IO[str], name: str = "process") -> None:
        self.name = name
        self.seen: list[JsonObject] = []
        self.raw_lines: list[str] = []
        self.closed = False
        self._queue: queue.Queue[str | _EndOfStream] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True, name=f"read-{name}")
        self._thread.start()

    @classmethod
    def of(cls, proc: subprocess.Popen[str], name: str | None = None) -> JsonLineReader:
        """A reader of `proc.stdout` (which must be a text pipe)."""
        if proc.stdout is None:
            raise ValueError("the process was started without stdout=PIPE")
        return cls(proc.stdout, name or f"pid {proc.pid}")

    def _pump(self, stream: IO[str]) -> None:
        try:
            for line in stream:
                self._queue.put(line)
        except (OSError, ValueError):
            pass  # the pipe was closed under us while the process was being stopped
        finally:
            self._queue.put(_EndOfStream())

    def _take(self, item: str) -> JsonObject | None:
        text = item.strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            self.raw_lines.append(text)
            return None
        if not isinstance(value, dict):
            self.raw_lines.append(text)
            return None
        self.seen.append(value)
        return value

    def until(self, predicate: Callable[[JsonObject], bool], timeout: float) -> list[JsonObject]:
        """Read objects until one satisfies `predicate`; return the objects read by this call.

        The matching object is the last one of the list. Fails on timeout or end of stream, showing
        what was read.
        """
        deadline = time.monotonic() + timeout
        batch: list[JsonObject] = []
        while True:
            remaining = deadline - time.monotonic()
            if self.closed or remaining <= 0:
                state = "closed its output" if self.closed else f"timed out after {timeout:.2f} s"
                raise WaitTimeout(
                    f"{self.name} {state} before the expected event; read {batch!r}; "
                    f"non-JSON lines: {self.raw_lines[-5:]!r}"
                )
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if isinstance(item, _EndOfStream):
                self.closed = True
                continue
            value = self._take(item)
            if value is None:
                continue
            batch.append(value)
            if predicate(value):
                return batch

    def drain(self) -> list[JsonObject]:
        """Take whatever objects are already queued, without waiting."""
        batch: list[JsonObject] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch
            if isinstance(item, _EndOfStream):
                self.closed = True
                continue
            value = self._take(item)
            if value is not None:
                batch.append(value)

    def join(self, timeout: float) -> None:
        """Wait for the reader thread to see the end of the stream (after the process has exited)."""
        self._thread.join(timeout)
        self.drain()


def read_json_lines_until(
    source: subprocess.Popen[str] | JsonLineReader,
    predicate: Callable[[JsonObject], bool],
    timeout: float,
) -> list[JsonObject]:
    """Read JSON lines from a process until one matches; return those read, the match last.

    Pass a `JsonLineReader` to read the same process more than once. A bare `Popen` gets a one-shot
    reader: its thread keeps consuming the pipe afterwards, so later lines go nowhere.
    """
    reader = source if isinstance(source, JsonLineReader) else JsonLineReader.of(source)
    return reader.until(predicate, timeout)
