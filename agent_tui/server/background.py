"""A server process's background loop: one asyncio task, started in the lifespan, stopped at its end."""

from __future__ import annotations

import asyncio
import contextlib


class BackgroundLoop:
    """Runs `_run` on a task named `task_name`; `stop` cancels it and waits until it has ended."""

    task_name = "background"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the loop on the running event loop."""
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        """Cancel the loop and wait for it to end."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        raise NotImplementedError
