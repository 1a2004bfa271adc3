"""What a server process sets once it serves: its start-up heap frozen; on PostgreSQL, short GIL slices.

Both were found chasing the state route's p95 at 1,000 changes a second on PostgreSQL
(docs/performance.md, "State changes on PostgreSQL: where the tail came from"):

- A full (generation 2) pass of the cyclic garbage collector walks every object the process tracks:
  the modules of FastAPI, SQLAlchemy, pydantic and every router, the schema, the routes (~180,000
  objects). One ran every ~2 s and held the event loop 17-320 ms on the shared 2-core machine; every
  request in flight waited for it. `gc.freeze()` moves everything alive when the server starts serving
  into the permanent generation, which no pass walks; later passes walk only what came after. Frozen
  objects are still freed when their last reference goes; only a cycle already dead when frozen would
  stay, so a collection runs first.
- The state writer's thread makes ~8 database round trips a batch, and after each it must take the
  GIL back from the event loop's thread, which is busy parsing requests. With CPython's default
  switch interval (5 ms) a thread woken by I/O waits up to 5 ms for a CPU-bound holder to let go, at
  every round trip: a batch of 3 ms of work took 30-60 ms at the 95th percentile. SQLite makes no
  network round trips, which is why it met the target and PostgreSQL did not. A 0.5 ms interval
  bounds each wait to a tenth of that, for the event loop too while the wallboard's publisher computes
  on its thread; forced switches happen only when two threads both want to run. On SQLite it is left
  at CPython's default: nothing waits on a network there, and in runs alternating the two intervals
  (load 8-10) SQLite's closed-loop rate was lower with 0.5 ms in two of three pairs.

Only a server in a process of its own does this (`agent-tui server`, each of its uvicorn workers):
tests build many apps in one process, one after the other, and freezing there would keep each one's
garbage for the rest of the run.
"""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL_S = 0.0005
"""How long a thread holding the GIL runs before one that waits for it gets it (CPython: 0.005)."""


def settle_for_serving(*, network_database: bool) -> int:
    """Collect what is dead now and freeze the rest; answer how many froze.

    `network_database` (PostgreSQL): the GIL's slices are shortened too.
    """
    gc.collect()
    gc.freeze()
    if network_database:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
    return gc.get_freeze_count()
