"""The server process's heap kept out of the garbage collector's full passes once it serves.

A full (generation 2) pass of the cyclic collector walks every object the process tracks: the
modules of FastAPI, SQLAlchemy, pydantic and every router, the schema, the routes. At 1,000 agent
state changes a second one ran every 2 s or so and held the event loop 80-320 ms on a loaded 2-core
machine (17 ms at best): every request in flight waited for it, and those pauses were most of the
state route's p95 (docs/performance.md, "State changes on PostgreSQL: the tail"). `gc.freeze()` moves
everything alive when the server starts serving into the permanent generation, which no pass walks;
later passes walk only what came after (requests, batches, caches). Frozen objects are still freed
when their last reference goes; only a cycle already dead when frozen would stay, so a collection
runs first.

Only a server in a process of its own does this (`agent-tui server`, each of its uvicorn workers):
tests build many apps in one process, one after the other, and freezing there would keep each one's
garbage for the rest of the run.
"""

from __future__ import annotations

import gc


def settle_for_serving() -> int:
    """Collect what is dead now, then freeze the rest; answer how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
