"""The screen-pop lookups in flight, as plain asyncio tasks rather than Textual workers (issue 11).

A Textual worker costs, besides the lookup itself, its own bookkeeping and three `Worker.StateChanged`
messages through the desk screen's queue (pending, running, success), each dispatched through the
screen's long list of base classes, on every ring: work for messages nobody handles. The lookup needs
none of it: it catches its own errors and ends by painting the card. What the worker gave it is kept
here: a running lookup is never dropped, an error it lets through is logged, and the desk's end
cancels the lookups still running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class LookupTasks:
    """The lookups running now (each an asyncio task of the UI loop)."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()
        """Held until they end: the loop keeps only weak references to its tasks."""

    def start(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run `work` on the running loop."""
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._running.add(task)
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("%s failed", task.get_name(), exc_info=error)

    def cancel_all(self) -> None:
        """End every lookup still running (the desk is closing: nothing is left to paint)."""
        for task in list(self._running):
            task.cancel()

    def __len__(self) -> int:
        return len(self._running)
