"""Keep what a wallboard holds after its snapshot out of the garbage collector's full passes.

At 5,000 agents and 1,000 changes a second a full (generation 2) pass of the cyclic garbage collector
walks every object the process tracks (Textual's tree, the modules, the rows): 30-100 ms of CPU a few
times in half a minute, and a key typed meanwhile waits for it. `gc.freeze()` moves every object
alive at that moment into the permanent generation, which no pass walks: the passes walk only what
came later (rows replaced since, their cells). Objects frozen are still freed when their last
reference goes; only a cycle already dead when frozen stays, which is why the process is not frozen
in tests, whose one process runs many Apps one after the other.
"""

from __future__ import annotations

import gc


def freeze_after_snapshot(*, real_terminal: bool) -> bool:
    """Freeze what is alive now when the wallboard runs in a real terminal; whether it did."""
    if not real_terminal:
        return False
    gc.freeze()
    return True
