"""The main loop of a headless phone service (`agent-tui bot`, `agent-tui survey`).

The engine's thread puts phone events on a queue; the service's main thread takes them one at a time and
runs the service's due work between them, so the service's own state is only ever touched by one thread.
SIGTERM and SIGINT put a stop mark on the same queue. On the way out the engine is stopped first, then
the events it sent while stopping are still handled (a call's end, a recording's last file), and the stop
signals are blocked: a signal racing with a clean exit must not turn exit 0 into -15 (Python restores the
default handlers while it shuts down).
"""

from __future__ import annotations

import queue
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Protocol

from agent_tui.phone.engine import PhoneEngine, PhoneEngineError
from agent_tui.phone.events import PhoneEvent

STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})
IDLE_WAIT_S = 0.5
"""The longest the loop waits for an event when nothing is due sooner."""

Events = queue.SimpleQueue[PhoneEvent | None]
"""Phone events, and None: stop."""


class PhoneService(Protocol):
    """What the loop drives: the service's due work and its handling of one event."""

    def run_due(self) -> float | None:
        """Run what is due; seconds until the next thing is (None: nothing is)."""

    def handle(self, event: PhoneEvent) -> None:
        """Handle one phone event."""


def stoppable_events() -> Events:
    """The event queue, with SIGTERM and SIGINT putting the stop mark on it."""
    events: Events = queue.SimpleQueue()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        events.put(None)

    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)
    return events


def serve(name: str, engine: PhoneEngine, events: Events, service: PhoneService, *,
          done: Callable[[], bool] = lambda: False, started: Callable[[], None] | None = None,
          stopped: Callable[[], None] | None = None) -> int:
    """Start `engine`, feed `service` until a stop mark or `done()`, stop; the exit code.

    `started` runs once the engine is up, `stopped` after the last event was handled."""
    try:
        try:
            engine.start()
        except PhoneEngineError as exc:
            print(f"agent-tui {name}: {exc}", file=sys.stderr)
            return 1
        if started is not None:
            started()
        while not done():
            wait = service.run_due()
            timeout = IDLE_WAIT_S if wait is None else max(min(wait, IDLE_WAIT_S), 0.0)
            try:
                event = events.get(timeout=timeout)
            except queue.Empty:
                continue
            if event is None:
                break
            service.handle(event)
    finally:
        engine.stop()
        while True:
            try:
                leftover = events.get_nowait()
            except queue.Empty:
                break
            if leftover is not None:
                service.handle(leftover)
        if stopped is not None:
            stopped()
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    return 0
