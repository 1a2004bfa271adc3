"""The shape every benchmark prints, and the table `make bench` writes into BENCHMARKS.md.

A benchmark runs as `python -m bench.NAME` (so it imports `bench.report`) and prints one JSON
object: `{"bench": NAME, "figures": [FIGURE, ...]}`, each figure
`{"name", "value", "unit", "target", "ok"}` (`target` is text such as "<= 20 ms"; `ok` is whether
this run met it, or null when there is no target).
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured figure and the target it is judged by."""

    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None


def emit(bench: str, figures: list[Figure], **extra: Any) -> None:
    """Print the benchmark's result as one JSON object on stdout."""
    payload: dict[str, Any] = {"bench": bench, "figures": [asdict(f) for f in figures]}
    payload.update(extra)
    json.dump(payload, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    sys.stdout.flush()
