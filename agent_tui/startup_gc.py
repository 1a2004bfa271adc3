"""The garbage collector while the desk's modules load: collecting less often, not never (issue 11).

Importing the desk (~800 modules) makes objects by the hundred thousand, and the collector's default
young-generation threshold (700 allocations) ran ~160 collections over them: ~25 ms of the start-up
CPU. Switching it off instead saves a little more CPU but keeps the imports' cyclic garbage and cost
~0.9 MB of resident memory, against a target with little margin; a threshold of 20,000 keeps the
memory and most of the CPU (docs/performance.md, "Desk start-up CPU"). No heavy imports here: this
module runs before the ones it is about.
"""

from __future__ import annotations

import gc

IMPORT_THRESHOLDS = (20_000, 20, 20)
"""Young, middle and old generation thresholds while the desk's modules load."""

_saved: list[tuple[int, int, int]] = []


def loosen_for_imports() -> None:
    """Collect less often until `restore` (the thresholds in force are kept for it)."""
    if not _saved:
        _saved.append(gc.get_threshold())
    gc.set_threshold(*IMPORT_THRESHOLDS)


def restore() -> None:
    """The thresholds in force before `loosen_for_imports` (nothing when it was not called)."""
    if _saved:
        gc.set_threshold(*_saved.pop())
