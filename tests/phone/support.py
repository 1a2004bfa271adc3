"""Helpers for the phone tests: an event log to wait on, and `agent-tui bot` peers in subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from agent_tui.phone.events import PhoneEvent
from tests.support.waiting import JsonLineReader, JsonObject, WaitTimeout

E = TypeVar("E")


class EventLog:
    """The engine's listener in tests: keeps every event; `wait` blocks until one matches (deadline)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.events: list[PhoneEvent] = []
        self._taken: set[int] = set()

    def __call__(self, event: PhoneEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def _find(self, kind: type[E], fields: dict[str, Any], where: Callable[[E], bool] | None) -> E | None:
        for index, event in enumerate(self.events):
            if index in self._taken or not isinstance(event, kind):
                continue
            if all(getattr(event, key) == value for key, value in fields.items()) and (
                where is None or where(event)
            ):
                self._taken.add(index)
                return event
        return None

    def wait(self, kind: type[E], timeout: float = 10.0, where: Callable[[E], bool] | None = None,
             **fields: Any) -> E:
        """The first not yet returned event of `kind` with these field values; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._find(kind, fields, where)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(
                        f"no {kind.__name__} {fields} within {timeout:g} s; events: {self.events[-15:]!r}"
                    )
                self._cond.wait(remaining)

    def of(self, kind: type[E]) -> list[E]:
        """Every event of `kind` so far."""
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]


class BotPeer:
    """One `agent-tui bot` subprocess: JSON events on its stdout, stopped by pid with SIGTERM."""

    def __init__(self, args: list[str], workdir: Path, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.stderr_path = workdir / f"bot-{os.getpid()}-{time.monotonic_ns()}.err"
        full_env = {**os.environ, **(env or {})}
        with self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "agent_tui.cli", "bot", *args],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True, env=full_env,
            )
        self.reader = JsonLineReader.of(self.proc, f"bot {args}")
        self.started = self.until("started", timeout=15)
        self.address = str(self.started["address"])

    def uri(self, user: str = "bot") -> str:
        """A SIP URI that rings this bot directly."""
        return f"sip:{user}@{self.address}"

    def until(self, event: str, timeout: float = 10.0, **fields: Any) -> JsonObject:
        """Wait for the next event named `event` whose fields match; return it."""
        def match(obj: JsonObject) -> bool:
            return obj.get("event") == event and all(obj.get(k) == v for k, v in fields.items())

        for seen in self.reader.seen:
            if match(seen) and not seen.get("_taken"):
                seen["_taken"] = True
                return seen
        found = self.reader.until(match, timeout)[-1]
        found["_taken"] = True
        return found

    def events(self, event: str) -> list[JsonObject]:
        """Every event of this name read so far."""
        self.reader.drain()
        return [obj for obj in self.reader.seen if obj.get("event") == event]

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM by pid, wait for a clean exit; SIGKILL only if it hangs. Returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise
        self.reader.join(5)
        return code

    def wait_exit(self, timeout: float = 15.0) -> int:
        """Wait for the bot to exit by itself (after its calls)."""
        code = self.proc.wait(timeout)
        self.reader.join(5)
        return code
