"""Structural guard for the cost of the outbox's deliveries (no timing): a write the desk makes is
delivered without a hop to a worker thread. bench/screen_pop.py measures; docs/performance.md ("Third
round") says why: three thread hops a delivery cost more CPU than the journal's queries themselves."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.sync.test_outbox import Backend, eventually, make


async def test_delivering_the_desks_writes_takes_no_thread_hop(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    backend = Backend()
    backend.mode = "up"
    outbox = make(backend, tmp_path / "o.db")
    hops: list[str] = []
    to_thread = asyncio.to_thread

    async def counting(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(fn, "__qualname__", repr(fn)))
        return await to_thread(fn, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    outbox.start()
    for n in range(3):  # what a ring cycle writes: committed at once, fsynced by the journal's thread
        outbox.enqueue_sync("PUT", "/v1/agents/a/state", {"n": n}, "agent_state", durable=False)
    await eventually(lambda: outbox.status().queued == 0, what="the queue to drain")
    assert backend.sent_numbers() == [0, 1, 2]
    assert hops == []
    await outbox.close()
